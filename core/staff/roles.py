"""What each staff role may see and do. Plain values, apart from the ORM models, so that the
console may name them; a page or an action names the permission it needs, never a role."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    BILLING = "billing"
    AGENT = "agent"


class Permission(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_SUBSCRIBERS = "view_subscribers"
    # Mobile, national ID, e-mail and address in full; masked without it.
    VIEW_PERSONAL_DATA = "view_personal_data"
    CHANGE_LINE_STATUS = "change_line_status"
    UNLINK_CHAT = "unlink_chat"
    VIEW_BILLING = "view_billing"
    REFUND = "refund"
    # The subscriber page's service and money actions, and the billing page's reconcile.
    EXTEND_SERVICE = "extend_service"
    RESET_FREE_CHARGE = "reset_free_charge"
    ASSIGN_STATIC_IP = "assign_static_ip"
    SET_DEPOSIT = "set_deposit"
    RECONCILE = "reconcile"
    # Say what the provider holds of a saved card's charge no run can settle: paid, or not.
    SETTLE_CARD_CHARGES = "settle_card_charges"
    IMPORT = "import"
    VIEW_AUDIT = "view_audit"
    # The documents' review queue and its verdicts; the tickets' inbox, answers, triage and
    # the canned replies.
    REVIEW_DOCUMENTS = "review_documents"
    HANDLE_TICKETS = "handle_tickets"
    # Open, report and resolve outages; send announcements; create and retire plans.
    MANAGE_OUTAGES = "manage_outages"
    SEND_BROADCASTS = "send_broadcasts"
    MANAGE_PLANS = "manage_plans"
    # The FAQ the bot answers from, and the texts it did not understand (read, turned into an
    # entry, dismissed): what subscribers are told, as announcements are.
    MANAGE_FAQ = "manage_faq"


_EVERYONE = {Permission.VIEW_DASHBOARD, Permission.VIEW_SUBSCRIBERS}
_DESK = {Permission.REVIEW_DOCUMENTS, Permission.HANDLE_TICKETS}

ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.ADMIN: frozenset(Permission),
    StaffRole.OPERATOR: frozenset(
        _EVERYONE
        | _DESK
        | {Permission.VIEW_PERSONAL_DATA, Permission.CHANGE_LINE_STATUS, Permission.UNLINK_CHAT}
        | {Permission.MANAGE_OUTAGES, Permission.SEND_BROADCASTS, Permission.MANAGE_PLANS}
        | {Permission.MANAGE_FAQ}
    ),
    # Whatever moves money or gives what is sold (days, a static IP) is billing's.
    StaffRole.BILLING: frozenset(
        _EVERYONE
        | {Permission.VIEW_PERSONAL_DATA, Permission.VIEW_BILLING, Permission.REFUND}
        | {Permission.EXTEND_SERVICE, Permission.RESET_FREE_CHARGE, Permission.ASSIGN_STATIC_IP}
        | {Permission.SET_DEPOSIT, Permission.RECONCILE, Permission.SETTLE_CARD_CHARGES}
    ),
    # Support agents answer people: they log a lost phone's chat out, and see no personal data
    # beyond what identifies the line.
    StaffRole.AGENT: frozenset(_EVERYONE | _DESK | {Permission.UNLINK_CHAT}),
}


def may(role: StaffRole, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
