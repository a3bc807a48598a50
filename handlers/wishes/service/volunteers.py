"""志愿者注册 as a use case: register a person as a volunteer, or update their profile.
Residents become volunteers; staff keep their role and gain a volunteer profile.

``profile(...)`` checks answers given all at once (the mini-program's form) as the chat's
steps check each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from handlers.wishes import texts
from handlers.wishes.errors import BadInput
from handlers.wishes.parse import community_name, phone
from storage import clock
from storage.core.models import Person, Role, Volunteer


@dataclass(frozen=True)
class Profile:
    """A volunteer's answers to 志愿者注册."""

    name: str
    phone: str
    skills: str
    community: str
    party_member: bool
    lat: float | None = None
    lng: float | None = None


def profile(*, name: str, phone_number: str, skills: str, community: str, party_member: bool,
            lat: float | None = None, lng: float | None = None) -> Profile:
    """A profile from answers given all at once; BadInput with the steps' words."""
    name, skills = name.strip(), skills.strip()
    if not 1 <= len(name) <= 20:
        raise BadInput(texts.V_NAME_BAD)
    number = phone(phone_number) if phone_number.strip() else ""
    if number is None:
        raise BadInput(texts.PHONE_BAD)
    if not 1 <= len(skills) <= 60:
        raise BadInput(texts.V_SKILLS_BAD)
    chosen = community_name(community)
    if not 3 <= len(chosen) <= 20:
        raise BadInput(texts.V_COMMUNITY_BAD)
    if (lat is None) != (lng is None):
        raise BadInput(texts.BAD_POINT)
    return Profile(name=name, phone=number, skills=skills, community=chosen,
                   party_member=party_member, lat=lat, lng=lng)


async def register(person: Person, answers: Profile) -> tuple[Volunteer, bool]:
    """Register ``person`` (or update their profile): (the volunteer, whether it is new).

    A resident becomes a volunteer; staff keep their role. The person's own name and phone
    are filled from the profile when they had none.
    """
    now = clock.now()
    fields = {"name": answers.name, "phone": answers.phone, "skills": answers.skills,
              "community": answers.community, "party_member": answers.party_member,
              "lat": answers.lat, "lng": answers.lng, "updated_at": now}
    updated = await Volunteer.filter(openid=person.openid).update(**fields)
    if not updated:
        try:  # a savepoint: registering twice at once (two devices) updates instead
            async with in_transaction():
                await Volunteer.create(openid=person.openid, created_at=now, **fields)
        except IntegrityError:
            updated = await Volunteer.filter(openid=person.openid).update(**fields)
    if person.role is Role.RESIDENT:
        person.role = Role.VOLUNTEER
    person.name = person.name or answers.name
    person.phone = person.phone or answers.phone
    await person.save(update_fields=["role", "name", "phone", "updated_at"])
    return await Volunteer.get(openid=person.openid), not updated
