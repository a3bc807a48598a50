"""随手拍 use cases that change state, called alike by the chat, the API, the CLI and Open311.

- ``cases``: submit a case (locate, route, dispatch, tell staff), find one, its duplicates;
- ``intake``: a report sent as one form (the mini-program), checked, then ``cases.submit_case``;
- ``support``: +1 a case (who may, and adding the supporter);
- ``feedback``: the reporter's answer to a resolved case (confirm with a rating, reopen).

Staff use cases (接单, 完成, 转派 …) are ``staff.service``.
"""
