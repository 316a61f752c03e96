from typing import Any

from django.http import HttpRequest

from aftersales.core.access import can_write, is_lead, is_staff_member


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "is_staff_member": is_staff_member(user),
        "can_write": can_write(user),
        "is_lead": is_lead(user),
    }
