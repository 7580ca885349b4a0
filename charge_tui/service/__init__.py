"""The one door for every write: validate → state machine → persist → event, in one transaction."""

from charge_tui.service.reservations import ReservationService, ServiceConfig
from charge_tui.service.uow import UnitOfWork

__all__ = ["ReservationService", "ServiceConfig", "UnitOfWork"]
