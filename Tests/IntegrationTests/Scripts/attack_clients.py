"""Clients without an account that try to take ClipGen down, against 127.0.0.1:PORT.
Usage: attack_clients.py MODE PORT TOKEN [ARGS...]; prints one JSON object.

trickle COUNT JOB [HELD]  COUNT connections from 127.0.0.1, each trickling a sign-in body (one
                   byte a second), while a second client (127.0.0.2) asks /healthz and GET
                   /v1/jobs/JOB signed in; until every trickling connection is closed (60 s at
                   most). The refusals are awaited until at most HELD (64) are unanswered.
share ADDRESSES PER [HELD]  PER trickling sign-ins from each of ADDRESSES addresses (127.0.0.10
                   on), refusals awaited down to HELD (20); then, from 127.0.0.3, a signed-in
                   request, /healthz and an anonymous one.
framing            request heads that are not HTTP/1.1, first on a connection and after a good request.
websocket JOB MEDIA  refused upgrades (no token, a media token, an unknown job, the socket cap,
                   the per-address rate limit) and bad frames (oversized, unmasked).
"""
import base64, json, os, selectors, socket, struct, sys, time

mode, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SIGN_IN = b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"


def connect(source="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def read_all(s, limit=5.0):
    s.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError):
        data += b"<timeout>"
    except (ConnectionResetError, BrokenPipeError):
        data += b"<reset>"
    return data


def request(path, source, headers=b"", timeout=5.0):
    """One request on a new connection: (status line, body, seconds)."""
    start = time.monotonic()
    try:
        s = connect(source, timeout)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
        data = read_all(s, timeout)
        s.close()
    except OSError as error:
        return ("error: %s" % error, "", round(time.monotonic() - start, 3))
    head, _, body = data.partition(b"\r\n\r\n")
    return (head.split(b"\r\n", 1)[0].decode(errors="replace"), body.decode(errors="replace"), round(time.monotonic() - start, 3))


def status_of(head):
    parts = head.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def trickling(count, sources, settle):
    """Opens `count` trickling sign-ins spread over `sources`: (held sockets, refusals). Waits for
    the server's refusals until at most `settle` connections are unanswered (what it should
    hold), however long a loaded machine takes to answer; a server that holds more is reported
    as it is after a minute."""
    held, refused = [], []
    for index in range(count):
        source = sources[index % len(sources)]
        try:
            s = connect(source)
            s.sendall(SIGN_IN)
            held.append(s)
            s.setblocking(False)
        except OSError as error:
            refused.append("connect: %s" % error)
    # A refusal comes with a status line and a close.
    deadline = time.monotonic() + 60
    while True:
        time.sleep(0.5)
        still = []
        for s in held:
            try:
                data = s.recv(4096)
                refused.append(data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed")
                s.close()
            except BlockingIOError:
                still.append(s)
            except OSError as error:
                refused.append("reset: %s" % error)
                s.close()
        held = still
        if len(held) <= settle or time.monotonic() > deadline:
            return held, refused


if mode == "trickle":
    count, job = int(sys.argv[4]), sys.argv[5]
    settle = int(sys.argv[6]) if len(sys.argv) > 6 else 64
    auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
    started = time.monotonic()
    held, refused = trickling(count, ["127.0.0.1"], settle)
    initially_held = len(held)
    probes, last_byte = [], 0.0
    open_ = list(held)
    cut_after = []
    while open_ and time.monotonic() - started < 60:
        if time.monotonic() - last_byte >= 1:
            last_byte = time.monotonic()
            for s in list(open_):
                try:
                    s.send(b" ")
                except OSError:
                    open_.remove(s)
                    cut_after.append(round(time.monotonic() - started, 2))
        # Closed by the server: readable with no data.
        for s in list(open_):
            try:
                if s.recv(1) == b"":
                    open_.remove(s)
                    cut_after.append(round(time.monotonic() - started, 2))
            except BlockingIOError:
                pass
            except OSError:
                open_.remove(s)
                cut_after.append(round(time.monotonic() - started, 2))
        probes.append(("healthz",) + request("/healthz", "127.0.0.2"))
        probes.append(("job",) + request("/v1/jobs/" + job, "127.0.0.2", auth))
        time.sleep(0.2)
    print(json.dumps({"attempted": count, "initiallyHeld": initially_held, "refused": refused, "stillOpen": len(open_),
                      "cutAfter": cut_after, "probes": probes}))

elif mode == "share":
    addresses, per = int(sys.argv[4]), int(sys.argv[5])
    settle = int(sys.argv[6]) if len(sys.argv) > 6 else 20
    held, refused = trickling(addresses * per, ["127.0.0.%d" % (10 + i) for i in range(addresses)], settle)
    auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
    result = {"held": len(held), "refused": refused,
              "signedIn": request("/v1/me", "127.0.0.3", auth),
              "health": request("/healthz", "127.0.0.3"),
              "anonymous": request("/openapi.json", "127.0.0.3")}
    for s in held:
        s.close()
    print(json.dumps(result))

elif mode == "framing":
    cases = {
        "twoLengths": b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "lengthAndChunked": b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        "spaceInPath": b"GET /heal thz HTTP/1.1\r\nHost: x\r\n\r\n",
        "unknownMethod": b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    result = {}
    for name, head in cases.items():
        s = connect()
        s.sendall(head)
        result[name] = read_all(s).decode(errors="replace")
        # The same after a good request on the connection, once its answer is read.
        s = connect()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first or not first.rstrip().endswith(b"}"):
            first += s.recv(65536)
        s.sendall(head)
        result[name + "AfterAGoodOne"] = read_all(s).decode(errors="replace")
    print(json.dumps(result))

elif mode == "websocket":
    job, media = sys.argv[4], sys.argv[5]
    key = base64.b64encode(os.urandom(16)).decode()

    def upgrade(path, headers=b""):
        s = connect()
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key.encode() + b"\r\n" + headers + b"\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return s, data

    def answer(path, headers=b""):
        s, data = upgrade(path, headers)
        data += read_all(s, 3) if not data.startswith(b"HTTP/1.1 101") else b""
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return {"head": head.decode(errors="replace"), "body": body.decode(errors="replace")}

    def close_code(frame):
        s, data = upgrade("/v1/events", b"Authorization: Bearer " + token.encode() + b"\r\n")
        assert data.startswith(b"HTTP/1.1 101"), data
        s.sendall(frame)
        got = read_all(s, 5)
        s.close()
        # The first frame the server sent that closes: 0x88, length, then the code.
        index = got.find(b"\x88")
        return struct.unpack(">H", got[index + 2:index + 4])[0] if index >= 0 and len(got) >= index + 4 else got.decode(errors="replace")

    auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
    result = {
        "noToken": answer("/v1/events"),
        "badToken": answer("/v1/events", b"Authorization: Bearer nonsense\r\n"),
        "mediaToken": answer("/v1/events?access_token=" + media),
        "unknownJob": answer("/v1/jobs/%s/events" % job, auth),
    }
    mask = os.urandom(4)
    big = b"y" * 5000
    result["oversized"] = close_code(bytes([0x81, 0xFE]) + struct.pack(">H", len(big)) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(big)))
    result["unmasked"] = close_code(bytes([0x81, 5]) + b"hello")
    # The per-user cap: two sockets held, a third refused.
    held = [upgrade("/v1/events", auth)[0] for _ in range(2)]
    result["beyondSocketCap"] = answer("/v1/events", auth)
    for s in held:
        s.close()
    # Upgrades as fast as the per-address limit lets them through, until it refuses one.
    for _ in range(400):
        refused = answer("/v1/events")
        if " 429 " in refused["head"]:
            result["rateLimited"] = refused
            break
    print(json.dumps(result))
