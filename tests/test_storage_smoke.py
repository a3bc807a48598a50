from storage.core.models import Person, Role


async def test_person_roundtrip(db, kv):
    await Person.create(openid="o1", role=Role.GRID_WORKER, name="王梦苏")
    person = await Person.get(openid="o1")
    assert person.role is Role.GRID_WORKER
    assert person.created_at.tzinfo is not None
    await kv.redis.set(kv.key("x"), b"1")
    assert await kv.redis.get(kv.key("x")) == b"1"
