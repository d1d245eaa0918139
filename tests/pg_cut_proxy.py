"""A TCP proxy in front of the test PostgreSQL server that can lose a COMMIT's answer: armed,
it passes the client's next COMMIT to the server, drops what the server answers, and closes the
connection once the server has had time to commit. The client then cannot tell whether its
transaction committed, as after a network failure or a failover at the wrong moment.

    with CommitCutProxy(port) as proxy:
        url = proxy.url(database)
        proxy.arm()          # the next COMMIT through the proxy is answered by a closed connection
        proxy.cut.wait(5)    # set once it was
"""

from __future__ import annotations

import socket
import threading
import time

_COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # the simple-query message psycopg sends at a transaction's end


class CommitCutProxy:
    def __init__(self, target_port: int, settle_s: float = 0.5) -> None:
        self.target_port = target_port
        self.settle_s = settle_s  # how long the server has to commit before the connection goes
        self.cut = threading.Event()
        self._armed = False
        self._deliver = True
        self._refuse_after_cut = 0
        self._refusing = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        """`database_url` (the test server's) through this proxy."""
        return database_url.replace(f":{self.target_port}/", f":{self.port}/")

    def arm(self, *, deliver: bool = True, refuse: int = 0) -> None:
        """Cut at the next COMMIT; `deliver=False`: before the server gets it (it rolls back).
        `refuse`: then close that many new connections at once (the server still unreachable)."""
        with self._lock:
            self._armed = True
            self._deliver = deliver
            self._refuse_after_cut = refuse
            self.cut.clear()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refusing = self._refusing > 0
                self._refusing -= refusing
            if refusing:
                client.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"cut": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    cutting = self._armed and _COMMIT in data
                    if cutting:
                        self._armed = False
                        state["cut"] = True  # nothing the server says reaches the client any more
                if not cutting or self._deliver:
                    server.sendall(data)
                if cutting:
                    time.sleep(self.settle_s)
                    with self._lock:
                        self._refusing = self._refuse_after_cut
                    self.cut.set()
                    break
        except OSError:
            pass
        for sock in (client, server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _down(self, server: socket.socket, client: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := server.recv(65536):
                if state["cut"]:
                    continue
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def __enter__(self) -> "CommitCutProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
