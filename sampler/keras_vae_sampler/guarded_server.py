"""A threading HTTP server that idle, dripping or non-reading clients
cannot hold: deadlines for every connection and eviction of the stalest
when all slots are taken. Standard library only; `web_server` serves the
page with it."""

import http.server
import socket
import sys
import threading
import time


class _Connection:
    """What the server knows of one connection: its socket, whether it waits
    for a request or is being answered, and when it last made progress."""

    def __init__(self, sock):
        self.sock = sock
        self.waiting = True
        self.since = self.progress = time.monotonic()

    def cut(self):
        """Ends the connection: its handler's read or write returns at once."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class GuardedHTTPServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that idle or slow clients cannot hold.

    At most `max_connections` connections are served at once. A connection
    waiting for its request longer than `request_seconds`, or whose answer
    made no progress for `timeout_seconds`, is cut (checked every
    `poll_interval` of `serve_forever`). When every slot is taken, a new
    connection evicts the one that made no progress for the longest, if
    that is more than `evict_after_seconds`; otherwise the new one is
    closed unanswered. IPv4 or IPv6 by the address it binds.

    Its handler reports what a connection does: `waiting_for_request`
    before it reads a request, `answering` once one has arrived, and
    `progress` after each part of an answer it sends.

    Args:
        address: `(host, port)` to bind.
        handler: the request handler class.
        request_seconds: how long a whole request may take to arrive.
        timeout_seconds: how long an answer may make no progress.
        max_connections: connections served at once.
        evict_after_seconds: how long a connection must have made no
            progress before a new one may evict it.
    """

    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's is 5)

    def __init__(
        self,
        address,
        handler,
        request_seconds,
        timeout_seconds,
        max_connections,
        evict_after_seconds,
    ):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.request_seconds = request_seconds
        self.timeout_seconds = timeout_seconds
        self.max_connections = max_connections
        self.evict_after_seconds = evict_after_seconds
        self._lock = threading.Lock()
        self._connections = {}
        super().__init__(address, handler)

    def _slot(self, request):
        """Takes a slot for `request`, evicting the stalest connection when
        none is free; False when every connection is making progress."""
        with self._lock:
            if len(self._connections) >= self.max_connections:
                stalest = min(self._connections.values(), key=lambda c: c.progress)
                if time.monotonic() - stalest.progress <= self.evict_after_seconds:
                    return False
                del self._connections[stalest.sock]
                stalest.cut()
            self._connections[request] = _Connection(request)
            return True

    def process_request(self, request, client_address):
        if not self._slot(request):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request):
        with self._lock:
            self._connections.pop(request, None)

    def _mark(self, request, waiting=None):
        with self._lock:
            connection = self._connections.get(request)
            if connection is None:
                return
            now = time.monotonic()
            connection.progress = now
            if waiting is not None and waiting != connection.waiting:
                connection.waiting, connection.since = waiting, now

    def waiting_for_request(self, request):
        """The connection is about to read a request (first or next)."""
        self._mark(request, waiting=True)

    def answering(self, request):
        """A whole request arrived; the connection is being answered."""
        self._mark(request, waiting=False)

    def progress(self, request):
        """Part of an answer was sent."""
        self._mark(request)

    def handle_error(self, request, client_address):
        """A client that went away or was cut is not an error worth a
        traceback; anything else is reported as usual."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def service_actions(self):
        """Cuts connections past their deadline (called by `serve_forever`)."""
        now = time.monotonic()
        with self._lock:
            late = [
                connection
                for connection in self._connections.values()
                if (
                    connection.waiting and now - connection.since > self.request_seconds
                )
                or (now - connection.progress > self.timeout_seconds)
            ]
        for connection in late:
            connection.cut()
