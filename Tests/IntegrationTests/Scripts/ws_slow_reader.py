"""A WebSocket client that subscribes to ClipGen's /v1/events on 127.0.0.1:PORT and then never
reads. Prints "ready" once upgraded, then (after the caller pressed on, by closing stdin) whether
the server ended the connection: "closed" or "open"."""
import base64, os, socket, sys, time

port, token = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
if not head.startswith(b"HTTP/1.1 101"):
    print("refused " + head.split(b"\r\n")[0].decode(), flush=True)
    sys.exit(1)
print("ready", flush=True)
sys.stdin.read()  # the caller publishes a flood of events, then closes our stdin
# Now drain: a server that gave up on us has closed the socket, so this ends.
s.settimeout(30)
deadline = time.monotonic() + 60
try:
    while time.monotonic() < deadline:
        if not s.recv(1 << 20):
            print("closed", flush=True)
            sys.exit(0)
    print("open", flush=True)
except (socket.timeout, TimeoutError):
    print("open", flush=True)
except ConnectionResetError:
    print("closed", flush=True)
