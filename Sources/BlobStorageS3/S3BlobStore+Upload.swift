import AsyncHTTPClient
import BlobStorage
import ClipGenCore
import Crypto
import Foundation
import Logging
import NIOCore
import NIOFileSystem
import NIOHTTP1
import SystemPackage

extension S3BlobStore {
    public func put(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int64?)
        async throws -> BlobInfo
    {
        try await upload(key, from: body, limit: limit)
    }

    public func importFile(at path: String, as key: BlobKey) async throws -> BlobInfo {
        let info = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            try await upload(key, from: handle.readChunks(chunkLength: .mebibytes(1)), limit: nil)
        }
        try? FileManager.default.removeItem(atPath: path)
        return info
    }

    /// Reads `body` once, hashing it and cutting it into parts: a body within one part is one
    /// PUT; a larger one a multipart upload whose parts go up while the next ones are read, at
    /// most `concurrentParts` at a time. Any failure aborts the upload, so the store keeps no
    /// parts of it and the key keeps what it held before.
    private func upload(_ key: BlobKey, from body: some AsyncSequence<ByteBuffer, any Error>, limit: Int64?)
        async throws -> BlobInfo
    {
        let partSize = configuration.partSize
        var hasher = SHA256()
        var size: Int64 = 0
        var part = ByteBufferAllocator().buffer(capacity: 64 << 10)
        var uploadID: String?
        do {
            return try await withThrowingTaskGroup(of: (Int, String).self) { parts in
                var etags: [Int: String] = [:]
                var inFlight = 0
                var nextNumber = 1
                func ship(_ payload: ByteBuffer) async throws {
                    if uploadID == nil { uploadID = try await createMultipartUpload(key) }
                    if inFlight == configuration.concurrentParts, let (number, etag) = try await parts.next() {
                        etags[number] = etag
                        inFlight -= 1
                    }
                    let number = nextNumber
                    let upload = uploadID!
                    nextNumber += 1
                    inFlight += 1
                    parts.addTask { (number, try await uploadPart(payload, number: number, of: key, upload: upload)) }
                }

                for try await var chunk in body {
                    size += Int64(chunk.readableBytes)
                    if let limit, size > limit { throw BlobError.tooLarge(limit: limit) }
                    chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    while chunk.readableBytes > 0 {
                        if part.readableBytes == partSize {
                            try await ship(part)
                            part = ByteBufferAllocator().buffer(capacity: partSize)
                        }
                        let slice = chunk.readSlice(length: min(chunk.readableBytes, partSize - part.readableBytes))!
                        part.writeImmutableBuffer(slice)
                    }
                }
                let digest = hasher.finalize().hex
                guard uploadID != nil else {
                    try await putObject(key, part, payloadHash: digest)
                    return BlobInfo(key: key, size: size, sha256: digest)
                }
                try await ship(part)
                while let (number, etag) = try await parts.next() { etags[number] = etag }
                try await completeMultipartUpload(key, upload: uploadID!, etags: etags)
                return BlobInfo(key: key, size: size, sha256: digest)
            }
        } catch {
            if let uploadID { await abortMultipartUpload(key, upload: uploadID) }
            throw error
        }
    }

    private func putObject(_ key: BlobKey, _ body: ByteBuffer, payloadHash: String) async throws {
        let response = try await send(.PUT, key, body: body, payloadHash: payloadHash, timeout: .seconds(120))
        guard response.status == .ok else { throw try await failure(response, key: key) }
    }

    private func createMultipartUpload(_ key: BlobKey) async throws -> String {
        let response = try await send(.POST, key, query: [("uploads", "")])
        guard response.status == .ok else { throw try await failure(response, key: key) }
        let xml = String(buffer: try await response.body.collect(upTo: 64 << 10))
        guard let id = xmlElement("UploadId", in: xml), !id.isEmpty else {
            throw S3Error.unexpected(status: 200, code: "no UploadId in the answer to CreateMultipartUpload")
        }
        return id
    }

    private func uploadPart(_ payload: ByteBuffer, number: Int, of key: BlobKey, upload: String) async throws -> String
    {
        let hash = SigV4Signer.hash(payload)
        let response = try await send(
            .PUT, key, query: [("partNumber", String(number)), ("uploadId", upload)], body: payload,
            payloadHash: hash, timeout: .seconds(120))
        guard response.status == .ok, let etag = response.headers.first(name: "etag") else {
            throw try await failure(response, key: key)
        }
        return etag
    }

    private func completeMultipartUpload(_ key: BlobKey, upload: String, etags: [Int: String]) async throws {
        let list = etags.keys.sorted().map {
            "<Part><PartNumber>\($0)</PartNumber><ETag>\(xmlEscaped(etags[$0]!))</ETag></Part>"
        }.joined()
        let body = ByteBuffer(string: "<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>")
        let response = try await send(
            .POST, key, query: [("uploadId", upload)], body: body,
            payloadHash: SigV4Signer.hash(body), timeout: .seconds(300))
        // S3 may answer 200 and report the failure in the body.
        let text = String(buffer: try await response.body.collect(upTo: 64 << 10))
        guard response.status == .ok, !text.contains("<Error>") else {
            throw response.status == .ok
                ? S3Error.unexpected(status: 200, code: xmlElement("Code", in: text) ?? "")
                : try await failure(response, key: key)
        }
    }

    /// Best effort, and not cancellable: the upload being abandoned may be why we are here.
    private func abortMultipartUpload(_ key: BlobKey, upload: String) async {
        await Task.detached { [self] in
            do {
                let response = try await send(.DELETE, key, query: [("uploadId", upload)], timeout: .seconds(10))
                if ![200, 204, 404].contains(response.status.code) {
                    logger.warning(
                        "could not abort a multipart upload",
                        metadata: ["key": "\(key)", "status": "\(response.status.code)"])
                }
            } catch {
                logger.warning("could not abort a multipart upload", metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }.value
    }
}
