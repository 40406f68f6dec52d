"""Clients that misbehave at the socket level, against ClipGen on 127.0.0.1:PORT with TOKEN.
Prints one JSON object: for each case, how long the server took to close or what it answered."""
import json, socket, sys, time

port, token = int(sys.argv[1]), sys.argv[2]
auth = f"Authorization: Bearer {token}\r\n".encode()


def connect():
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def seconds_until_closed(sock, limit=8.0):
    """Reads until the server closes; None if it is still open after `limit` seconds."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
        return round(time.monotonic() - start, 2)
    except (socket.timeout, TimeoutError):
        return None
    except ConnectionResetError:
        return round(time.monotonic() - start, 2)


def status_line(sock):
    sock.settimeout(8)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError, ConnectionResetError):
        pass
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


result = {}
s = connect()
result["silent"] = seconds_until_closed(s)

s = connect()
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
result["halfHeaders"] = seconds_until_closed(s)

s = connect()
s.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\n" + auth + b"Content-Length: 1000000\r\n\r\n" + b"x" * 1000)
result["stalledBody"] = seconds_until_closed(s)

s = connect()
s.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\n" + auth + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
result["badChunk"] = status_line(s)

s = connect()
s.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\n" + auth + b"Content-Length: 1000000\r\n\r\n" + b"y" * 5000)
s.close()
time.sleep(0.3)

def get(path, headers=b""):
    s = connect()
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")


result["uploads"] = get("/v1/uploads", auth)
result["metrics"] = get("/metrics")
print(json.dumps(result))
