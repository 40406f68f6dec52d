"""A webhook receiver for tests: listens on 127.0.0.1 (port printed on the first line), answers
500 to the first FAILURES requests and 204 after, checks each request's X-ClipGen-Signature
against the secret in SECRET_FILE (read per request; it is written once the test knows it),
appends one JSON line per request to LOG_FILE, then waits DELAY seconds (default 0) to answer."""
import hashlib, hmac, http.server, json, sys, threading, time

failures, secret_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-ClipGen-Timestamp", "")
        try:
            secret = open(secret_file).read().strip()
        except OSError:
            secret = ""
        expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        with lock:
            count += 1
            status = 500 if count <= failures else 204
            with open(log_file, "a") as log:
                log.write(json.dumps({
                    "signatureValid": hmac.compare_digest(expected, self.headers.get("X-ClipGen-Signature", "")),
                    "attempt": self.headers.get("X-ClipGen-Attempt"), "delivery": self.headers.get("X-ClipGen-Delivery"),
                    "status": status, "body": json.loads(body or b"{}"),
                }) + "\n")
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
