"""志愿者注册: name -> phone (optional) -> skills -> community -> party member -> location
(optional). Registering again updates the profile. Residents become volunteers; staff keep
their role and gain a volunteer profile.

The use case is ``register(person, profile)``; ``profile(...)`` checks answers given all at
once (the mini-program's form) as the steps check each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from handlers.context import Context
from handlers.flows import Flow, Step, goto
from handlers.inbound import Kind
from handlers.wishes import texts
from handlers.wishes.errors import BadInput
from handlers.wishes.parse import community_name, phone
from handlers.wishes.steps import act, skipped, text_only
from storage import clock
from storage.core.models import Person, Role, Volunteer

PROMPTS = {"name": texts.ASK_V_NAME, "phone": texts.ASK_V_PHONE, "skills": texts.ASK_V_SKILLS,
           "community": texts.ASK_V_COMMUNITY, "party": texts.ASK_V_PARTY,
           "location": texts.ASK_V_LOCATION}
PARTY = {"是": True, "是的": True, "党员": True, "否": False, "不是": False, "群众": False}


async def start(ctx: Context) -> Step:
    return goto("name", texts.ASK_V_NAME)


async def name(ctx: Context) -> Step:
    if refusal := text_only(ctx, "name", texts.ASK_V_NAME):
        return refusal
    if not 1 <= len(ctx.text) <= 20:
        return goto("name", texts.V_NAME_BAD)
    ctx.data["name"] = ctx.text
    return goto("phone", texts.ASK_V_PHONE)


async def phone_step(ctx: Context) -> Step:
    if refusal := text_only(ctx, "phone", texts.ASK_V_PHONE):
        return refusal
    number = "" if skipped(ctx.text) else phone(ctx.text)
    if number is None:
        return goto("phone", texts.PHONE_BAD)
    ctx.data["phone"] = number
    return goto("skills", texts.ASK_V_SKILLS)


async def skills(ctx: Context) -> Step:
    if refusal := text_only(ctx, "skills", texts.ASK_V_SKILLS):
        return refusal
    if not 1 <= len(ctx.text) <= 60:
        return goto("skills", texts.V_SKILLS_BAD)
    ctx.data["skills"] = ctx.text
    return goto("community", texts.ASK_V_COMMUNITY)


async def community(ctx: Context) -> Step:
    if refusal := text_only(ctx, "community", texts.ASK_V_COMMUNITY):
        return refusal
    chosen = community_name(ctx.text)
    if not 3 <= len(chosen) <= 20:
        return goto("community", texts.V_COMMUNITY_BAD)
    ctx.data["community"] = chosen
    return goto("party", texts.ASK_V_PARTY)


async def party(ctx: Context) -> Step:
    if refusal := text_only(ctx, "party", texts.ASK_V_PARTY):
        return refusal
    if ctx.text not in PARTY:
        return goto("party", texts.V_PARTY_BAD)
    ctx.data["party"] = PARTY[ctx.text]
    return goto("location", texts.ASK_V_LOCATION)


async def location(ctx: Context) -> Step:
    msg = ctx.msg
    if msg.kind is Kind.LOCATION and msg.lat is not None:
        ctx.data.update(lat=msg.lat, lng=msg.lng)
    elif not (msg.kind is Kind.TEXT and skipped(msg.text)):
        return goto("location", texts.V_LOCATION_BAD)
    return await act(ctx, lambda: _save(ctx))


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


async def _save(ctx: Context) -> str:
    data = ctx.data
    answers = Profile(name=data["name"], phone=data["phone"], skills=data["skills"],
                      community=data["community"], party_member=data["party"],
                      lat=data.get("lat"), lng=data.get("lng"))
    _, created = await register(ctx.person, answers)
    if not created:
        return texts.V_UPDATED
    return texts.V_DONE.format(name=data["name"], community=data["community"],
                               party=texts.V_PARTY if data["party"] else "")


FLOWS = [Flow("volunteer_register", start, keywords=("志愿者注册", "注册志愿者"),
              clicks=("VOLUNTEER",), prompts=PROMPTS,
              steps={"name": name, "phone": phone_step, "skills": skills,
                     "community": community, "party": party, "location": location})]
