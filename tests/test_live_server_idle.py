"""The test harness waits for the live server before a transactional test's flush (tests/conftest.py,
live_server_idle_before_flush). Checked here on a real threaded server of Django's, as the live server runs."""

import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

from tests.tools import ServedConnections


@pytest.fixture
def slow_server():
    """A server whose answer waits for `release`: a request still running when its test ends."""
    release, started = threading.Event(), threading.Event()

    def app(environ, start_response):
        started.set()
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    httpd = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    httpd.set_app(app)
    served = ServedConnections(httpd)
    serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    yield httpd, served, release, started, serving
    release.set()
    if serving.is_alive():
        httpd.shutdown()
    httpd.server_close()


def ask(httpd):
    connection = socket.create_connection(httpd.server_address)
    connection.sendall(b"GET / HTTP/1.0\r\nHost: test\r\n\r\n")
    return connection


def test_waits_for_a_request_still_running_and_returns_once_it_is_answered(slow_server):
    httpd, served, release, started, serving = slow_server
    serving.start()
    connection = ask(httpd)
    assert started.wait(5)
    with pytest.raises(AssertionError, match=r"still serves 1 connection"):
        served.wait_until_idle(timeout=0.3)

    threading.Timer(0.2, release.set).start()
    served.wait_until_idle(timeout=5)
    assert connection.recv(4096).startswith(b"HTTP/1.0 200")
    assert served.open == 0
    connection.close()


def test_a_connection_not_yet_accepted_counts_as_busy(slow_server):
    httpd, served, release, _, serving = slow_server
    release.set()
    connection = ask(httpd)  # queued on the listening socket: the server has not started accepting
    with pytest.raises(AssertionError, match=r"still serves 0 connection\(s\) and has more queued"):
        served.wait_until_idle(timeout=0.3)

    serving.start()
    served.wait_until_idle(timeout=5)
    assert connection.recv(4096).startswith(b"HTTP/1.0 200")
    connection.close()


def test_an_idle_server_is_idle_at_once(slow_server):
    _, served, _, _, serving = slow_server
    serving.start()
    served.wait_until_idle(timeout=0.01)
