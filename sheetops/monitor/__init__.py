"""The R3 weekly proactive checks on each customer's own dashboard.

``run_checks(backend, settings, as_of)`` is the daemon's Monday 08:00
job and what ``sheetops monitor`` runs: it reads every R3 customer's
dashboard, checks the last refresh, revenue, food cost, margin and the
import log, records each new finding on the Alerts tab and queues one
email per new alert. See docs/monitoring.md.
"""

from sheetops.monitor.checks import Finding
from sheetops.monitor.run import MonitorReport, run_checks

__all__ = ["Finding", "MonitorReport", "run_checks"]
