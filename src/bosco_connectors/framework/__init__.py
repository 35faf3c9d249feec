"""The connector SDK: HTTP, auth, paginators, stream specs, cursors, report jobs, dlt glue."""

from .children import Child
from .auth import HeaderAuth, OAuth2RefreshToken, QueryParamAuth, TokenExchangeAuth, api_key_header, basic, bearer
from .connector import Connector, IdList, SourceConfig, comma_list
from .errors import (
    ApiError,
    AuthError,
    BoscoError,
    ConfigError,
    ContractError,
    ReportJobError,
    ResponseFormatError,
    RetryableApiError,
    SourceError,
)
from .files import ColumnBatch, Csv, FileFormat, Json, JsonGroups, JsonLines
from .ids import Id, to_id
from .http import ApiClient, ErrorPolicy, RetryPolicy, parse_retry_after
from .paginators import (
    CursorInBody,
    CursorUntilComplete,
    GraphQLPageInfo,
    LinkHeader,
    NextUrlInBody,
    OffsetLimit,
    PageNumber,
    PageRequest,
    SinglePage,
)
from .jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Job, JobContext, Poll
from .ratelimit import AppLimits, RateLimit
from .reports import JobStatus, ReportJob
from .spec import (
    ChildContract,
    Contract,
    Cursor,
    FullRefresh,
    GraphQLStream,
    ReadContext,
    RestStream,
    Stream,
    Window,
    parse_date,
    parse_datetime,
    utc_today,
)

__all__ = [name for name in dir() if not name.startswith("_")]
