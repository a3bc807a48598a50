"""志愿者注册 in chat: name -> phone (optional) -> skills -> community -> party member ->
location (optional). Registering again updates the profile; the use case is
``service.volunteers.register``, which the mini-program's form also calls.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, goto
from handlers.geo.listing import community_names, pick_name
from handlers.inbound import Kind
from handlers.wishes import texts
from handlers.wishes.flows.steps import act, skipped, text_only
from handlers.wishes.parse import community_name, phone
from handlers.wishes.service.volunteers import Profile, register

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
    names = await community_names()
    return goto("community", texts.ASK_V_COMMUNITY_PICK.format(choices=_choices(names))
                if names else texts.ASK_V_COMMUNITY)


def _choices(names: list[str]) -> str:
    return "\n".join(f"{i}. {name}" for i, name in enumerate(names, 1))


async def community(ctx: Context) -> Step:
    """One of the district's communities (by number or name); free text only while the
    geography holds none."""
    if refusal := text_only(ctx, "community", texts.ASK_V_COMMUNITY):
        return refusal
    names = await community_names()
    if names:
        chosen = pick_name(ctx.text.replace(" ", ""), names)
        if chosen is None:
            return goto("community", texts.V_COMMUNITY_UNKNOWN.format(
                text=ctx.text, choices=_choices(names)))
    else:
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
