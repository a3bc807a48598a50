"""One person, two WeChat apps (the Official Account and the mini-program, two openids).

When the mini-program is its own app (``LINLI_MINIAPP_APPID``), WeChat's UnionID says which
openids are one person. ``resolve`` turns an app's openid into the person key
(``Person.openid``) every record is keyed by, linking the second app on first sight;
``join`` joins two people into one (automatically when one of them holds nothing, by an
operator's ``linli people link`` when both do); ``data`` says what a person holds.
"""
