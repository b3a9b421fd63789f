from channels.testing import HttpCommunicator

from taleas.asgi import application
from tests import factories


async def test_the_asgi_application_serves_pages(transactional_db):
    """`make run` serves through daphne and taleas.asgi: HTTP goes through Channels' router."""
    communicator = HttpCommunicator(application, "GET", "/healthz", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b"ok"


async def test_the_asgi_application_serves_a_comic(transactional_db):
    from asgiref.sync import sync_to_async

    await sync_to_async(factories.comic)(number=7, title="Over ASGI")
    communicator = HttpCommunicator(application, "GET", "/comic/7/over-asgi/", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response()
    assert response["status"] == 200
    assert b"Over ASGI" in response["body"]
