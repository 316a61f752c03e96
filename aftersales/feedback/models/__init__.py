"""Feedback records, one module per aggregate (each part adds its module and exports it here)."""
from aftersales.feedback.models.checkins import Checkin, CheckinKind, CheckinPlan, CheckinSource  # noqa: F401
from aftersales.feedback.models.csat import CsatChannel, CsatEmail, CsatEmailState, CsatRequest  # noqa: F401
from aftersales.feedback.models.quality import QualityReview  # noqa: F401
from aftersales.feedback.models.surveys import InvitationState, Survey, SurveyInvitation  # noqa: F401
