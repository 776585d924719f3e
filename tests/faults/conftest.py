"""Real faults, not mocks: a port nothing listens on, and a server that accepts connections and never answers."""

import socket
import threading

import pytest


@pytest.fixture
def closed_port():
    """A loopback port with nothing listening on it: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HungServer:
    """Accepts every connection on a loopback port, reads whatever comes, and never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.listener.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=2)
        for connection in self.accepted:
            connection.close()
        self.listener.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.stop()
