"""One doctor run: the Centra checks, then the Engage checks, as one report."""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from engage_bridge.centra.assumptions import Assumption, centra_assumptions
from engage_bridge.centra.queries import ALL_DOCUMENTS
from engage_bridge.config import BrandConfig
from engage_bridge.doctor.centra_checks import centra_checks
from engage_bridge.doctor.engage_checks import engage_checks
from engage_bridge.doctor.report import Check, Report
from engage_bridge.doctor.stock_relay import stock_relay_check
from engage_bridge.doctor.transport import EngageReader, GraphQLEndpoint
from engage_bridge.ingress.event_types import INGEST_TYPES


def run_doctor(
    centra: GraphQLEndpoint | None,
    engage: EngageReader | None,
    config: BrandConfig,
    *,
    documents: Mapping[str, str] = ALL_DOCUMENTS,
    assumptions: Sequence[Assumption] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Report:
    """Every check against the tenants given (None skips a side). Raises ``TenantUnreachable`` for no answer."""
    checks: list[Check] = []
    if centra is not None:
        assumed = centra_assumptions() if assumptions is None else assumptions
        checks.extend(centra_checks(centra, documents, assumed, sorted(INGEST_TYPES)))
        checks.append(stock_relay_check(centra, config))
    if engage is not None:
        checks.extend(engage_checks(engage, config, now=now))
    return Report.of(checks)
