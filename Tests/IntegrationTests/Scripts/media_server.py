"""Serves the files of DIR on 127.0.0.1 (port printed first) for URL-import tests, plus
/redirect-to/<path-or-url> which answers 302 to whatever follows it."""
import http.server, os, sys, urllib.parse

root = sys.argv[1]


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def do_GET(self):
        if self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path[len("/redirect-to/"):]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
