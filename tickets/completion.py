"""What the completion page offers a technician in one tap: canned repair-report phrases and part hints.

Fault categories are this area's; the hints say which catalogue items usually mend a category (matched on
the item's name or code, so the HQ catalogue needs no extra field). The selector
``selectors.completion_defaults_for`` combines them with the station's stock and the device model.
"""

from django.utils.translation import gettext_lazy as _

from .models import Ticket

FC = Ticket.FaultCategory

# fault category → (fault-found phrases, work-done phrases); each one tap on the page
PHRASES = {
    FC.NO_SIGNAL: (
        [_("Tuner faulty, no signal received"), _("Signal cable loose or damaged"), _("Channel settings lost")],
        [_("Replaced the tuner, signal restored"), _("Reconnected the signal cable"), _("Searched the channels again")],
    ),
    FC.NO_POWER: (
        [_("Power board burnt out"), _("Power adapter faulty")],
        [_("Replaced the power board, powers on normally"), _("Replaced the power adapter")],
    ),
    FC.NO_PICTURE: (
        [_("Main board fault, picture freezes"), _("Video cable faulty")],
        [_("Replaced the main board, picture normal"), _("Replaced the video cable")],
    ),
    FC.REMOTE: (
        [_("Remote control faulty"), _("Infrared receiver faulty")],
        [_("Replaced the remote control"), _("Replaced the infrared receiver")],
    ),
    FC.CARD_READER: (
        [_("Smart-card reader faulty"), _("Smart card not seated properly")],
        [_("Replaced the card reader, card recognised"), _("Cleaned and reseated the smart card")],
    ),
    FC.SOFTWARE: (
        [_("Software fault or failed upgrade")],
        [_("Upgraded the software, works normally"), _("Restored the factory settings")],
    ),
    FC.ACCESSORY: (
        [_("Accessory damaged")],
        [_("Replaced the accessory")],
    ),
    FC.OTHER: (
        [_("Front panel keys faulty")],
        [_("Replaced the front panel board")],
    ),
}
# offered on every ticket after the category's own phrases
COMMON_WORK_DONE = [_("Tested, works normally")]
# the explicit no-fault-found choice fills these when the boxes are still empty
NO_FAULT_FOUND_TEXT = (_("No fault found, the device works normally"), _("Checked the device and showed its use"))

# fault category → words in a catalogue item's name or code (lower case) that mark it as the usual fix
PART_HINTS = {
    FC.NO_SIGNAL: ("高频头", "调谐", "tuner"),
    FC.NO_POWER: ("电源", "power", "psu"),
    FC.NO_PICTURE: ("主板", "hdmi", "av", "main"),
    FC.REMOTE: ("遥控", "remote", "p-ir"),
    FC.CARD_READER: ("读卡", "智能卡", "card"),
    FC.SOFTWARE: (),
    FC.ACCESSORY: (),
    FC.OTHER: ("面板", "panel"),
}


def part_matches_fault(*, item, fault_category: str) -> bool:
    """Whether ``item`` is the usual fix for the category (an accessory ticket: any accessory)."""
    if fault_category == FC.ACCESSORY and item.kind == "accessory":
        return True
    text = f"{item.code} {item.name}".lower()
    return any(word in text for word in PART_HINTS.get(fault_category, ()))


def phrases_for(fault_category: str) -> tuple[list[str], list[str]]:
    found, done = PHRASES.get(fault_category, ([], []))
    return [str(p) for p in found], [str(p) for p in [*done, *COMMON_WORK_DONE]]
