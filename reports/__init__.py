"""Reports: read flags and village scores, write what people read. Computes nothing new.

    from reports import write_all
    paths = write_all(con, workspace, config, run_stamp)   # WORKSPACE/reports/<run_stamp>/

Writes one masked workbook per village for its inspection team (村级清单/<镇>/…_巡察风险清单.xlsx),
the office's unmasked 巡察办汇总.xlsx and an offline 总览.html.
"""

from reports.protect import ReportError
from reports.write import ReportPaths, write_all

__all__ = ["ReportError", "ReportPaths", "write_all"]
