"""What the printed QR sheet says (Simplified Chinese)."""

from __future__ import annotations

# Under each code on the sheet posted in the stairwell.
INSTRUCTION = "微信扫码关注，随手拍身边问题"
# The label above it: compound and building.
LABEL = "{compound} · {building}"
# The sheet's footer.
FOOTER = "{compound}　第 {page}/{pages} 页"
