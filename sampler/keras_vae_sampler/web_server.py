"""`keras-vae serve`: the browser page of an export, from the standard library.

The server answers GET and HEAD for the files of `web_site.site_files` and
nothing else: no directory listing, no other file of the export or of the
machine. Paths with `..` or `.` parts (also percent-encoded), backslashes or
NUL bytes are refused with 400; a served file that has become a symbolic link
leading out of its folder is refused with 403. It binds to 127.0.0.1 unless
told otherwise, and then accepts only requests whose `Host` is a loopback
name (no DNS rebinding). Every answer carries the cross-origin isolation
headers (so the page may use wasm threads) and a content security policy
that lets the page talk to its own origin only. Files carry an `ETag`
(modification time and size) and `Cache-Control: no-cache`: a browser
revalidates each file and reuses what it has (304), so a second visit skips
the 14 MB runtime download and reuses its compiled code.

Slow or idle clients cannot hold it. A connection must deliver a whole
request (line and headers) within `REQUEST_SECONDS` of opening or of its
last answer, and an answer that makes no progress for `TIMEOUT_SECONDS`
(a client that stops reading) is cut off; both are applied to every
connection. At most `MAX_CONNECTIONS` are served at once, and when all are
taken a new connection evicts the one that has made no progress for the
longest (more than `EVICT_AFTER_SECONDS`), so idle, dripping or non-reading
clients cannot keep a normal request out. Files are streamed in chunks,
never read whole, and only while they are still the files recorded at
start: a file rewritten, replaced or swapped for a link or a hard link to
another file is refused (409). Log lines escape control characters. IPv6
addresses (`--host ::1`) bind an IPv6 socket.
"""

import http.server
import ipaddress
import mimetypes
import os
import sys
import urllib.parse
from pathlib import Path

from keras_vae_sampler.guarded_server import GuardedHTTPServer
from keras_vae_sampler.web_site import inline_script_hashes
from keras_vae_sampler.web_site import site_files

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".onnx": "application/octet-stream",
    ".tflite": "application/octet-stream",
}


def security_headers():
    """The headers of every answer: cross-origin isolation, and a content
    security policy that allows the page's own files, wasm and, of inline
    scripts, only the page's import map (by its SHA-256)."""
    return {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Resource-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' "
            f"{inline_script_hashes()}; worker-src 'self' blob:; connect-src 'self'; "
            "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'"
        ),
        "Cache-Control": "no-cache",
    }


LOOPBACK_NAMES = ("localhost",)
# Read by `make_server`, so a server takes the values in force when made.
REQUEST_SECONDS = 10
TIMEOUT_SECONDS = 30
MAX_CONNECTIONS = 32
EVICT_AFTER_SECONDS = 0.5
CHUNK_BYTES = 1 << 16


def is_loopback(host):
    """Whether `host` (a name or an address) is a loopback address."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header):
    """The name part of a `Host` header: `127.0.0.1:8000` -> `127.0.0.1`."""
    if header.startswith("["):
        return header[: header.find("]") + 1]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def request_file(raw_path):
    """Maps a request target to a site path, or raises `ValueError`.

    Args:
        raw_path: the request target, e.g. `/export/manifest.json?x=1`.

    Returns:
        The site path (`index.html` for `/`), not yet checked against the
        list of served files.
    """
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    decoded = urllib.parse.unquote(path, errors="strict")
    if (
        not path.startswith("/")
        or path.startswith("//")
        or any(c in decoded for c in ("\\", "\x00"))
        or any(part in (".", "..") for part in decoded.split("/"))
        or "%" in decoded
    ):
        raise ValueError(f"Refused request path. Received: path={raw_path!r}")
    relative = decoded.lstrip("/")
    return relative or "index.html"


def file_identity(stat):
    """What identifies a served file's content: device, inode, size,
    modification and change time. Any write, rename over it or hard link
    swapped in changes one of them (the change time cannot be set back)."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class PageRequestHandler(http.server.BaseHTTPRequestHandler):
    """Serves `files` (`{site path: (file, root, identity)}`); set by
    `make_server` with the timeouts in force."""

    files = {}
    security_headers = {}
    loopback_only = True
    server_version = "keras-vae-serve"
    sys_version = ""

    def _refuse(self, status, message):
        body = f"{status} {message}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.security_headers.items():
            self.send_header(name, value)
        if status == 405:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        """The standard library's own refusals (400 for a bad request line,
        414, 431, 501) with the same headers as every other answer."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # which would send no headers
            self.request_version = "HTTP/1.0"
        phrase = message or self.responses.get(code, ("error",))[0]
        self._refuse(int(code), phrase)

    def _open_recorded(self, name):
        """The open file of site path `name` if it is still the file recorded
        at start, else the refusal `(status, message)`."""
        path, root, identity = self.files[name]
        try:
            resolved = Path(path).resolve(strict=True)
        except OSError:
            return None, (404, "not found")
        if not resolved.is_relative_to(root) or not resolved.is_file():
            return None, (403, "the file leads out of its folder")
        try:
            file = open(resolved, "rb")
        except OSError:
            return None, (404, "not found")
        if file_identity(os.fstat(file.fileno())) != identity:
            file.close()
            return None, (409, "the file changed since the server started; restart it")
        return file, None

    def _answer(self, with_body):
        if self.request_version == "HTTP/0.9":  # answers without headers
            return self.send_error(505, "HTTP/0.9 is not served")
        host = _host_name(self.headers.get("Host", ""))
        if self.loopback_only and not is_loopback(host):
            return self._refuse(421, "this server answers loopback host names only")
        try:
            name = request_file(self.path)
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, "refused path")
        if name not in self.files:
            return self._refuse(404, "not found")
        file, refusal = self._open_recorded(name)
        if refusal is not None:
            return self._refuse(*refusal)
        with file:
            self._send_file(file, with_body)

    def _send_file(self, file, with_body):
        stat = os.fstat(file.fileno())
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        if etag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.send_header("ETag", etag)
            for header, value in self.security_headers.items():
                self.send_header(header, value)
            self.end_headers()
            return
        suffix = Path(file.name).suffix
        content_type = CONTENT_TYPES.get(suffix) or (
            mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        )
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("ETag", etag)
        for header, value in self.security_headers.items():
            self.send_header(header, value)
        self.end_headers()
        if with_body:
            while chunk := file.read(CHUNK_BYTES):
                self.wfile.write(chunk)
                self.server.progress(self.request)

    def handle_one_request(self):
        self.server.waiting_for_request(self.request)
        super().handle_one_request()
        self.server.progress(self.request)

    def do_GET(self):
        self.server.answering(self.request)
        self._answer(with_body=True)

    def do_HEAD(self):
        self.server.answering(self.request)
        self._answer(with_body=False)

    def _method_not_allowed(self):
        self._refuse(405, "only GET and HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed
    do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def log_message(self, format, *args):
        # The standard library's table escapes control characters as \xNN.
        message = (format % args).translate(self._control_char_table)
        sys.stderr.write(f"{self.address_string()} {message}\n")


def check_address(host, port):
    """Refuses a host that names no address and a port outside [0, 65535]."""
    if not isinstance(host, str) or not host.strip():
        raise ValueError(
            "host must name an address or a host name (127.0.0.1 for this "
            "machine only, 0.0.0.0 for every interface). Received: "
            f"host={host!r}"
        )
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(
            f"port must be an integer in [0, 65535] (0 picks a free one). "
            f"Received: port={port!r}"
        )


def make_server(export_dir, host="127.0.0.1", port=8000):
    """A `GuardedHTTPServer` for the page of an export (not started).

    Args:
        export_dir: folder written by `export_decoder`, with an ONNX artifact.
        host: str. Address to bind. Defaults to `"127.0.0.1"` (this machine
            only); an IPv6 address such as `"::1"` binds IPv6.
        port: int in [0, 65535]. Port; 0 picks a free one. Defaults to 8000.
    """
    check_address(host, port)
    files = {
        name: (path, root, file_identity(Path(path).resolve().stat()))
        for name, (path, root) in site_files(export_dir).items()
    }
    handler = type(
        "BoundPageRequestHandler",
        (PageRequestHandler,),
        {
            "files": files,
            "loopback_only": is_loopback(host),
            "security_headers": security_headers(),
            "timeout": TIMEOUT_SECONDS,
        },
    )
    address = host.strip("[]")
    try:
        return GuardedHTTPServer(
            (address, port),
            handler,
            request_seconds=REQUEST_SECONDS,
            timeout_seconds=TIMEOUT_SECONDS,
            max_connections=MAX_CONNECTIONS,
            evict_after_seconds=EVICT_AFTER_SECONDS,
        )
    except OSError as error:
        raise ValueError(
            f"Cannot listen on {host} port {port}: {error.strerror or error}. "
            f"Received: host={host!r}, port={port}"
        ) from None


def serve(export_dir, host="127.0.0.1", port=8000):
    """Serves the page of an export until interrupted (Ctrl-C)."""
    server = make_server(export_dir, host, port)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if is_loopback(host):
        note = (
            "loopback only: other machines cannot connect; --host 0.0.0.0 "
            "shares it on your network"
        )
    else:
        note = (
            f"bound to {host}: other machines on the network can load it; "
            "browsers check the files' SHA-256 only on 127.0.0.1, localhost "
            "or https"
        )
    print(f"Serving {export_dir} at http://{shown}:{bound_port}/ ({note})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
