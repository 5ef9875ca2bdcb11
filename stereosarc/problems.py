"""The problems a pre-flight check finds: refusals and warnings, listed before refusing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from stereosarc import table_checks
from stereosarc.errors import InputError

log = logging.getLogger("stereosarc.validate")


@dataclass
class Problems:
    """Collects refusal messages (each logged as it is found); raise_if_any() refuses with
    the first one and the count of the others, all of which are in the log above it."""

    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)
        log.error(message)

    def add_findings(self, findings: list[table_checks.Finding]) -> None:
        for finding in findings:
            if finding.severity == table_checks.WARN:
                self.warnings.append(str(finding))
                log.warning(str(finding))
            else:
                self.add(str(finding))

    def raise_if_any(self) -> None:
        if self.messages:
            more = len(self.messages) - 1
            suffix = (
                f" (+{more} more problem{'s' if more > 1 else ''} listed above)" if more else ""
            )
            raise InputError(self.messages[0] + suffix)
