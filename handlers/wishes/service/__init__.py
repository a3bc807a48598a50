"""Use cases that change wishes; the chat's steps, the API, the CLI and the console all call
them. Each runs inside the caller's transaction and raises a ``WishError`` to refuse,
changing nothing.

- ``posting``: draft and post a wish (许愿), approve or reject it (通过, 退回), cancel it;
- ``claims``: volunteers' claims - claim, release, complete with proof, confirm, dispute;
- ``volunteers``: 志愿者注册, registering or updating a volunteer profile;
- ``transitions``: the guarded status change they all make.

The points for a confirmed wish are ``handlers.wishes.awards``.
"""
