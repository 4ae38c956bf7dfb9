"""`keras-vae serve` and `keras-vae web` without a browser: what is served,
what is refused, and the static folder. The export here is hand-written (a
manifest and a file with its real hash), so no TensorFlow is needed."""

import hashlib
import http.client
import json
import os
import socket
import threading
import time

import pytest

from keras_vae.cli import build_parser
from keras_vae.cli import main
from keras_vae_sampler import web_server
from keras_vae_sampler import web_site
from keras_vae_sampler.web_server import make_server
from keras_vae_sampler.web_server import request_file
from tests.browser_harness import ROOT
from tests.browser_harness import keras_vae_serve

MODEL_BYTES = b"not really onnx, but hashed like it"
SAMPLER_BYTES = b"not really onnx either: the sampling graph"


def _artifact(directory, file, data, graph, first_input):
    (directory / file).write_bytes(data)
    listing = {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return {
        "file": file,
        "format": "onnx",
        "graph": graph,
        "batch_size": None,
        "runtime": "onnx",
        "files": {file: listing},
        "size_bytes": len(data),
        "inputs": [{"role": first_input, "name": first_input, "shape": [-1, 2]}],
        "outputs": [{"role": "image", "name": "image", "shape": [-1, 28, 28, 1]}],
    }


def write_export(directory, model_bytes=MODEL_BYTES):
    """A hand-made export: a decoder and a sampling graph (not real ONNX)."""
    directory.mkdir(parents=True)
    manifest = {
        "manifest_version": 3,
        "model": {"latent_dim": 2, "output_shape": [28, 28, 1], "num_classes": None},
        "artifacts": {
            "onnx": _artifact(directory, "decoder.onnx", model_bytes, "decode", "z"),
            "onnx:sample": _artifact(
                directory, "sampler.onnx", SAMPLER_BYTES, "sample", "noise"
            ),
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (directory / "secret.txt").write_text("not listed in the manifest")
    return directory


@pytest.fixture
def export_dir(tmp_path):
    return write_export(tmp_path / "exported")


@pytest.fixture
def server(export_dir):
    server = make_server(export_dir, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def request(server, method, path, host=None):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    headers = {"Host": host} if host else {}
    connection.putrequest(method, path, skip_host=bool(host), skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_serves_the_page_runtime_and_listed_files(server, export_dir):
    response, body = request(server, "GET", "/")
    assert response.status == 200 and b'<canvas id="grid"' in body
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Embedder-Policy") == "require-corp"
    assert "connect-src 'self'" in response.getheader("Content-Security-Policy")
    for path, expected in (
        ("/export/manifest.json", (export_dir / "manifest.json").read_bytes()),
        ("/export/decoder.onnx", MODEL_BYTES),
        ("/export/sampler.onnx", SAMPLER_BYTES),
        ("/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm", None),
        ("/app.js?v=1", None),
    ):
        response, body = request(server, "GET", path)
        assert response.status == 200, path
        assert expected is None or body == expected
    response, _ = request(
        server, "GET", "/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm"
    )
    assert response.getheader("Content-Type") == "application/wasm"


def test_unchanged_files_are_revalidated_not_resent(server, export_dir):
    response, _ = request(server, "GET", "/export/decoder.onnx")
    etag = response.getheader("ETag")
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    connection.request("GET", "/export/decoder.onnx", headers={"If-None-Match": etag})
    response = connection.getresponse()
    assert response.status == 304 and response.read() == b""
    connection.close()


def test_files_changed_after_start_are_refused(server, export_dir, tmp_path):
    # Rewritten in place (same inode, same size): refused, not served.
    (export_dir / "decoder.onnx").write_bytes(MODEL_BYTES.upper())
    response, body = request(server, "GET", "/export/decoder.onnx")
    assert response.status == 409 and MODEL_BYTES.upper() not in body
    assert "changed since the server started" in body.decode()
    # Replaced by a hard link to a file outside the export.
    outside = tmp_path / "outside.json"
    outside.write_text('{"secret": 1}')
    (export_dir / "manifest.json").unlink()
    os.link(outside, export_dir / "manifest.json")
    response, body = request(server, "GET", "/export/manifest.json")
    assert response.status == 409 and b"secret" not in body
    # Untouched files are still served.
    response, body = request(server, "GET", "/export/sampler.onnx")
    assert response.status == 200 and body == SAMPLER_BYTES


def _raw(server, data):
    """Sends raw bytes, returns the whole reply."""
    with socket.create_connection(server.server_address[:2], timeout=10) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


@pytest.mark.parametrize(
    "data, status",
    [
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 120 + b"\r\n", b"431"),
        (b"BREW /pot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"501"),
        (b"GET / HTTP/9.9\r\n\r\n", b"505"),
        (b"GET /\r\n\r\n", b"505"),
        (b"\x1b[2J\x07 junk\r\n\r\n", b"400"),
    ],
)
def test_every_reply_carries_the_security_headers(server, data, status):
    reply = _raw(server, data)
    assert reply.split(b" ", 2)[1] == status
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for name in web_server.security_headers():
        assert f"\n{name}: " in head, (name, head)


def test_log_lines_escape_control_characters(server, capfd):
    _raw(server, b"GET /\x1b[31mred\x07\r HTTP/1.0\r\n\r\n")
    time.sleep(0.2)
    logged = capfd.readouterr().err
    assert "\\x1b[31mred\\x07" in logged
    assert not any(c in logged for c in "\x1b\x07\r")


def test_head_sends_headers_only(server):
    response, body = request(server, "HEAD", "/export/decoder.onnx")
    assert response.status == 200 and body == b""
    assert response.getheader("Content-Length") == str(len(MODEL_BYTES))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(server, method):
    response, _ = request(server, method, "/export/manifest.json")
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/export/secret.txt",  # in the export folder, not in the manifest
        "/export/",  # no directory listings
        "/export",
        "/vendor/",
        "/vendor/onnxruntime-web/ort.wasm.min.mjs",  # not shipped
        "/etc/passwd",
        "//etc/passwd",  # http.server itself collapses the leading slashes
        "/manifest.json",
    ],
)
def test_unlisted_paths_are_not_found(server, path):
    response, body = request(server, "GET", path)
    assert response.status == 404 and b"root:" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/../export/manifest.json",
        "/export/../export/manifest.json",
        "/export/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/export/%2E%2E/secret.txt",
        "/export/..%2fsecret.txt",
        "/export/%252e%252e/secret.txt",
        "/./index.html",
        "/export\\..\\secret.txt",
        "/export/%5c..%5csecret.txt",
        "/index.html%00.js",
        "/%ff%fe",
        "http://example.org/etc/passwd",
    ],
)
def test_traversal_is_refused(server, path):
    response, body = request(server, "GET", path, host="127.0.0.1")
    assert response.status == 400, (path, response.status)
    assert b"root:" not in body


def test_request_file_maps_paths():
    assert request_file("/") == "index.html"
    assert request_file("/export/manifest.json?x=1#y") == "export/manifest.json"
    with pytest.raises(ValueError, match="Received: path='/a/%2E%2E/b'"):
        request_file("/a/%2E%2E/b")


def test_foreign_host_names_are_refused_on_loopback(server):
    response, _ = request(server, "GET", "/", host="attacker.example:8000")
    assert response.status == 421
    for host in ("127.0.0.1:1", "localhost", "[::1]:8000"):
        response, _ = request(server, "GET", "/", host=host)
        assert response.status == 200, host


def test_a_symlink_swapped_in_after_start_is_refused(server, export_dir, tmp_path):
    outside = tmp_path / "outside.onnx"
    outside.write_bytes(MODEL_BYTES)
    (export_dir / "decoder.onnx").unlink()
    os.symlink(outside, export_dir / "decoder.onnx")
    response, body = request(server, "GET", "/export/decoder.onnx")
    assert response.status == 403 and body != MODEL_BYTES


def test_exports_leading_out_are_refused_at_start(export_dir, tmp_path):
    outside = tmp_path / "outside.onnx"
    outside.write_bytes(MODEL_BYTES)
    (export_dir / "decoder.onnx").unlink()
    os.symlink(outside, export_dir / "decoder.onnx")
    with pytest.raises(ValueError, match="leads out of the export folder"):
        make_server(export_dir, port=0)
    manifest = json.loads((export_dir / "manifest.json").read_text())
    manifest["artifacts"]["onnx"]["file"] = "../outside.onnx"
    manifest["artifacts"]["onnx"]["files"] = {
        "outside.onnx": manifest["artifacts"]["onnx"]["files"]["decoder.onnx"]
    }
    (export_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="stays inside the export folder"):
        web_site.site_files(export_dir)


def test_tampered_files_are_refused(export_dir):
    (export_dir / "sampler.onnx").write_bytes(b"changed")
    with pytest.raises(ValueError, match="sampler.onnx does not match its manifest"):
        web_site.site_files(export_dir)
    (export_dir / "sampler.onnx").write_bytes(SAMPLER_BYTES)
    (export_dir / "decoder.onnx").write_bytes(b"changed")
    with pytest.raises(ValueError, match="does not match its manifest entry"):
        web_site.site_files(export_dir)


def test_serve_binds_to_loopback_and_says_so(export_dir):
    assert build_parser().parse_args(["serve", "x"]).host == "127.0.0.1"
    with keras_vae_serve(export_dir) as (url, lines):
        assert url.startswith("http://127.0.0.1:")
        assert "(loopback only" in lines[-1]


def test_web_writes_a_self_contained_folder(export_dir, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["web", str(export_dir), str(site)]) == 0
    written = sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
    )
    assert written == sorted(web_site.site_files(export_dir))
    assert "export/secret.txt" not in written
    assert (site / "export/decoder.onnx").read_bytes() == MODEL_BYTES
    assert f"to {site}" in capsys.readouterr().out
    assert main(["web", str(export_dir), str(site)]) == 2
    assert "(--overwrite) to replace it" in capsys.readouterr().err
    assert main(["web", str(export_dir), str(site), "--overwrite"]) == 0
    other = tmp_path / "other"
    (other / "notes").mkdir(parents=True)
    assert main(["web", str(export_dir), str(other), "--overwrite"]) == 2
    assert "replaces only a folder written by" in capsys.readouterr().err
    assert (other / "notes").is_dir()
    assert main(["web", str(export_dir), str(export_dir.parent), "--overwrite"]) == 2
    assert "site folder holds the input export_dir" in capsys.readouterr().err
    assert main(["web", str(export_dir), str(export_dir / "site")]) == 2
    assert "site folder lies inside the input export_dir" in capsys.readouterr().err
    assert (export_dir / "manifest.json").is_file()
    assert not (export_dir / "site").exists()
    (site / "notes.txt").write_text("mine")
    assert main(["web", str(export_dir), str(site), "--overwrite"]) == 2
    assert "did not write: ['notes.txt']" in capsys.readouterr().err
    assert (site / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("runtime", web_site.PAGE_VENDORED)
def test_the_shipped_runtime_is_the_pinned_npm_release(runtime):
    pin = web_site.runtime_pin(runtime)
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"][pin["package"]] == pin["version"]
    shipped = web_site.page_dir() / web_site.VENDOR_DIR / runtime
    npm_root = ROOT / "node_modules" / pin["npm_root"]
    assert pin["files"]
    for name, expected in pin["files"].items():
        data = (shipped / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected["sha256"]
        assert len(data) == expected["size_bytes"]
        if npm_root.is_dir():  # installed by `npm ci` from the lockfile
            assert (npm_root / name).read_bytes() == data
    # Nothing unpinned ships in the folder.
    listed = {*pin["files"], *web_site.RUNTIME_NOTICES}
    found = {
        p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()
    }
    assert found == listed


def _hostile_clients(server, big_path):
    """64 connections that try to hold the server: idle ones, ones that
    drip a header byte now and then, and ones that ask for a file and never
    read it (their receive buffer shrunk so the server's writes block)."""
    address = server.server_address[:2]
    clients = []
    for index in range(64):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        try:
            sock.connect(address)
            if index % 3 == 1:
                sock.sendall(b"G")
            elif index % 3 == 2:
                sock.sendall(f"GET {big_path} HTTP/1.0\r\n\r\n".encode())
        except OSError:  # closed at once: every slot was busy
            pass
        clients.append(sock)
    return clients


def test_a_normal_request_is_answered_while_64_clients_hold_connections(tmp_path):
    # The server as `serve` makes it: its own timeouts, nothing set here.
    export_dir = write_export(tmp_path / "exported", model_bytes=os.urandom(4 << 20))
    server = make_server(export_dir, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    clients = _hostile_clients(server, "/export/decoder.onnx")
    try:
        time.sleep(1.0)  # every hostile connection has been idle a while
        for attempt in range(3):
            start = time.monotonic()
            response, body = request(server, "GET", "/export/manifest.json")
            assert response.status == 200
            assert body == (export_dir / "manifest.json").read_bytes()
            assert time.monotonic() - start < 2.0, attempt
    finally:
        for sock in clients:
            sock.close()
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_connections_that_never_finish_a_request_are_cut(export_dir):
    # With the default deadline: a client dripping its request line is cut
    # after REQUEST_SECONDS, whatever it keeps sending.
    server = make_server(export_dir, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sock = socket.create_connection(server.server_address[:2], timeout=5)
        start = time.monotonic()
        cut = None
        while time.monotonic() - start < web_server.REQUEST_SECONDS + 5:
            try:
                sock.sendall(b"G")
                sock.settimeout(1.0)
                if sock.recv(1) == b"":
                    cut = time.monotonic() - start
                    break
            except TimeoutError:
                continue
            except OSError:
                cut = time.monotonic() - start
                break
        sock.close()
        assert cut is not None, "the dripping client was never cut"
        assert web_server.REQUEST_SECONDS - 1 < cut < web_server.REQUEST_SECONDS + 2
    finally:
        server.shutdown()
        server.server_close()


def test_ipv6_loopback(export_dir):
    import socket

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = make_server(export_dir, host="::1", port=0)
    except ValueError as error:
        pytest.skip(f"IPv6 loopback unavailable: {error}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response, body = request(server, "GET", "/export/manifest.json")
        assert response.status == 200
        assert body == (export_dir / "manifest.json").read_bytes()
        # A non-loopback Host is refused on IPv6 loopback too.
        response, _ = request(server, "GET", "/", host="example.com")
        assert response.status == 421
    finally:
        server.shutdown()
        server.server_close()
