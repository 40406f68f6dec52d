import BlobStorageS3
import Foundation
import Testing

/// The worked examples of AWS's "Signature Calculations for the Authorization Header" and
/// "Query String Authentication" pages: the same inputs must give the same signatures.
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1")
    let date = Date(timeIntervalSince1970: 1_369_353_600) // 2013-05-24T00:00:00Z

    @Test func getObjectWithARange() throws {
        let headers = signer.sign(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!,
            headers: [("Range", "bytes=0-9")], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        let authorization = try #require(headers.first { $0.0 == "Authorization" }?.1)
        #expect(
            authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + """
                SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
                Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
                """
        )
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
    }

    @Test func putObjectWithAnEncodedKeyAndASignedBody() throws {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.hash(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = signer.sign(
            method: "PUT", url: URL(string: "https://examplebucket.s3.amazonaws.com/test%24file.text")!,
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: hash, date: date)
        let authorization = try #require(headers.first { $0.0 == "Authorization" }?.1)
        #expect(
            authorization.hasSuffix(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                    + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
    }

    @Test func presignedGet() throws {
        let url = signer.presign(
            url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!, expires: .seconds(86400), date: date)
        let query = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(
            query.first { $0.name == "X-Amz-Signature" }?.value
                == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            query.first { $0.name == "X-Amz-Credential" }?.value
                == "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request")
        #expect(query.first { $0.name == "X-Amz-Expires" }?.value == "86400")
    }

    @Test func encodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.encode("a b/c~d=é") == "a%20b%2Fc~d%3D%C3%A9")
        #expect(SigV4Signer.encode("clips/j-1/0_a.mp4", keepSlash: true) == "clips/j-1/0_a.mp4")
    }
}
