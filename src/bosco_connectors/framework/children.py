"""Child tables of Arrow streams: an order's line items as their own Arrow table.

dlt turns a list in a dict record into a child table (``shopify_orders__line_items``), but
only on its slow path: every row goes through its Python normalizer (Shopify's 30k-order
export: 90% of the load in it, bench/README.md). Arrow tables skip that path, and dlt
stores a nested Arrow column as JSON text, not as a table. So an Arrow stream whose
contract holds a list of models declares it a `Child`:

- the reader builds each batch with the list as an Arrow ``list<struct>`` column
  (`arrow.to_arrow`), so dlt's incremental step filters and de-duplicates parents with
  their children still attached;
- after that step (`split_children`, the resource's last step), the column leaves the
  parent's table and becomes a table of its own, ``<parent table>__<field>``, each row
  stamped with the parent's tenant;
- that table is merged on its own key, and on the parent key as dlt's ``merge_key``: the
  rows of every re-read parent are replaced as a whole (an order edited to drop a line
  loses that line), as dlt's child tables are.

The tables keep the layout dlt gives dict rows, so a destination an earlier version loaded
takes these batches as they are: the parent carries ``_dlt_load_id`` and ``_dlt_id``, the
child ``_dlt_parent_id``, ``_dlt_root_id`` (the parent's ``_dlt_id``), ``_dlt_list_idx``
and ``_dlt_id``. Where the pipeline's own schema already holds the child as dlt's nested
table (a tenant an earlier version loaded), dlt refuses a second definition of it, so that
pipeline keeps loading dict rows (`loads_as_dicts`, which also keeps dict rows where that schema
holds an undeclared list as a nested table or an object field as a json column), slower; every
other pipeline, and every new tenant and destination, loads Arrow. A child whose parent is re-read with an empty list
keeps its rows (nothing of that parent reaches the child table to replace them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from .errors import ContractError

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource

    from .spec import Stream


@dataclass(frozen=True)
class Child:
    """A list-of-models field of an Arrow stream's contract, loaded as table ``<table>__<field>``.

    ``primary_key``: the child row's own key (with ``tenant_id``); ``parent_key``: the child's
    field naming its parent (the parent's primary key value), the child table's merge key. Where
    the vendor's child records do not name their parent (Square's line items), the column is
    filled from the parent's key, which must then be one field."""

    field: str
    primary_key: tuple[str, ...]
    parent_key: str


def declared(stream: "Stream") -> tuple[Child, ...]:
    """The stream's children, checked against its contract: an Arrow stream's list of models
    must be declared (or dlt would store it as JSON text), and each declaration must name a
    list of models whose model has the keys named."""
    from .arrow import _child_models

    if not stream.arrow:
        if stream.children:
            raise ContractError("children are declared for Arrow streams only (dlt makes child tables of dict rows itself)",
                                stream=stream.name)
        return ()
    models = dict(_child_models(stream.contract))
    named = {c.field: c for c in stream.children}
    undeclared = sorted(set(models) - set(named))
    if undeclared:
        raise ContractError(f"the contract's list field(s) {undeclared} need a `Child(...)` declaration: an Arrow stream "
                            "loads a list of models as a child table only when told its keys", stream=stream.name)
    for child in stream.children:
        model = models.get(child.field)
        if model is None:
            raise ContractError(f"child '{child.field}' is not a list of models in the contract", stream=stream.name)
        fields = {info.alias or name for name, info in model.model_fields.items()}
        missing = sorted({*child.primary_key, child.parent_key} - fields - {child.parent_key})
        if missing:
            raise ContractError(f"child '{child.field}': its model has no field(s) {missing}", stream=stream.name)
        if fills_parent_key(child, model) and len(stream.primary_key) != 1:
            raise ContractError(f"child '{child.field}': its model has no field '{child.parent_key}', and the parent's key "
                                f"{list(stream.primary_key)} is not one field to fill it from", stream=stream.name)
    return stream.children


def fills_parent_key(child: Child, model: Any) -> bool:
    """Whether the child's records lack their parent's key, which the split then fills in."""
    return child.parent_key not in {info.alias or name for name, info in model.model_fields.items()}


def child_table_name(parent_table: str, child: Child) -> str:
    return f"{parent_table}__{child.field}"


#: dlt's bookkeeping columns of dict rows (`dlt.common.schema.typing`), kept for the reasons above.
LOAD_ID, ROW_ID, PARENT_ID, ROOT_ID, LIST_INDEX = "_dlt_load_id", "_dlt_id", "_dlt_parent_id", "_dlt_root_id", "_dlt_list_idx"
_TEXT_KEY = {"data_type": "text", "nullable": False}


def parent_columns() -> dict[str, Any]:
    """The column hints a parent table with children adds to its contract's."""
    return {LOAD_ID: {"name": LOAD_ID, **_TEXT_KEY}, ROW_ID: {"name": ROW_ID, **_TEXT_KEY}}


def loads_as_dicts(stream: "Stream", parent_table: str) -> list[str]:
    """What in this pipeline's schema says an earlier version loaded the stream as dict rows,
    which Arrow batches would contradict (empty: nothing, load Arrow):

    - dlt's nested tables under the stream's table: a declared child's dlt refuses to redefine,
      and an undeclared list's would stop getting rows, the list landing as a JSON column;
    - contract fields typed as an object held as ``json`` columns: Arrow carries them as text
      (`arrow.dlt_columns`), and dlt would warn on every batch that the hints differ."""
    import dlt

    from .arrow import _dlt_path, _kept_whole

    try:
        tables = dlt.current.source_schema().tables
    except Exception:  # noqa: BLE001 - read outside a pipeline (a unit test): nothing to keep
        return []
    nested = sorted(name for name, table in tables.items() if table.get("parent") == parent_table)
    columns = (tables.get(parent_table) or {}).get("columns", {})
    as_json = sorted(_dlt_path(name) for name in _kept_whole(stream.contract)
                     if (columns.get(_dlt_path(name)) or {}).get("data_type") == "json")
    return nested + [f"{parent_table}.{name} (json)" for name in as_json]


def with_dlt_ids(table: Any, load_id: str, nullable: bool) -> tuple[Any, Any]:
    """`table` with dlt's ``_dlt_load_id`` and ``_dlt_id`` appended, as dict rows have them, and
    the row ids (a child's ``_dlt_parent_id``)."""
    import pyarrow as pa

    text, row_ids = pa.string(), row_ids_for(table.num_rows)
    stamped = table.append_column(pa.field(LOAD_ID, text, nullable=nullable), pa.repeat(pa.scalar(load_id, text), table.num_rows))
    return stamped.append_column(pa.field(ROW_ID, text, nullable=nullable), row_ids), row_ids


def row_ids_for(rows: int) -> Any:
    """Unique ``_dlt_id`` values for a batch, built by Arrow, not a Python call per row (a
    random prefix per batch, as dlt's own ids are random, and the row's number)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from dlt.common.utils import uniq_id_base64

    numbers = pc.cast(pa.array(range(rows), pa.int64()), pa.string())
    return pc.binary_join_element_wise(uniq_id_base64() + ".", numbers, "")


def split_children(resource: "DltResource", stream: "Stream", parent_table: str) -> None:
    """Add the step that moves each declared child column into its own table (see the module
    docstring), after every step dlt has (its incremental one included)."""
    children = declared(stream)
    if not children:
        return
    import dlt
    import pyarrow as pa  # here, not at import: declarations load on `bosco-sync sources`'s path
    import pyarrow.compute as pc
    from dlt.common.libs.pydantic import pydantic_to_table_schema_columns

    from .arrow import _child_models, dlt_columns

    models = dict(_child_models(stream.contract))
    tables: dict[str, str] = {}  # field -> its table
    parent_key = stream.primary_key[0]
    filled = {c.field for c in children if fills_parent_key(c, models[c.field])}
    for child in children:
        columns = pydantic_to_table_schema_columns(models[child.field])
        columns["tenant_id"] = {"name": "tenant_id", "data_type": "text", "nullable": False}
        if child.field in filled:  # typed as the parent's key; nullable: a table dict rows made can add it
            columns[child.parent_key] = {**dlt_columns(stream.contract)[parent_key], "name": child.parent_key, "nullable": True}
        for name in (PARENT_ID, ROOT_ID, ROW_ID):
            columns[name] = {"name": name, **_TEXT_KEY}
        columns[LIST_INDEX] = {"name": LIST_INDEX, "data_type": "bigint", "nullable": False}
        table = tables[child.field] = child_table_name(parent_table, child)
        # A variant starts from the resource's hints: empty its columns (the parent's) first.
        resource.apply_hints(table_name=table, columns={}, create_table_variant=True)
        resource.apply_hints(table_name=table, columns=columns, primary_key=["tenant_id", *child.primary_key],
                             merge_key=["tenant_id", child.parent_key], create_table_variant=True)
    text = pa.string()
    tenant = pa.field("tenant_id", text, nullable=False)

    def split(table: Any) -> Iterator[Any]:
        present = [c for c in children if isinstance(table, pa.Table) and c.field in table.column_names]
        if not present:  # dict rows (`loads_as_dicts`), or a table without children
            yield table
            return
        parent, row_ids = with_dlt_ids(table.drop_columns([c.field for c in present]),
                                       dlt.current.load_package_state()["load_id"], nullable=False)
        yield parent
        for child in present:
            lists = table[child.field].combine_chunks()
            rows = pa.Table.from_struct_array(pc.list_flatten(lists))
            if not rows.num_rows:
                continue
            owners = pc.list_parent_indices(lists)
            tenants = pc.take(table["tenant_id"].combine_chunks(), owners)
            if "tenant_id" in rows.column_names:  # a child contract may declare it (stamped here, never sent)
                rows = rows.set_column(rows.column_names.index("tenant_id"), tenant, tenants)
            else:
                rows = rows.append_column(tenant, tenants)
            if child.field in filled:
                rows = rows.append_column(pa.field(child.parent_key, table.schema.field(parent_key).type),
                                          pc.take(table[parent_key].combine_chunks(), owners))
            parent_ids = pc.take(row_ids, owners)
            offsets = lists.offsets
            position = pc.add(pa.array(range(rows.num_rows), pa.int64()), pc.cast(offsets[0], pa.int64()))
            index = pc.subtract(position, pc.cast(pc.take(offsets, owners), pa.int64()))
            for name, column in ((PARENT_ID, parent_ids), (ROOT_ID, parent_ids), (LIST_INDEX, index),
                                 (ROW_ID, row_ids_for(rows.num_rows))):
                rows = rows.append_column(pa.field(name, column.type, nullable=False), column)
            yield dlt.mark.with_table_name(rows, tables[child.field])

    # dlt keeps its incremental step last when steps are appended: insert after it explicitly
    resource.add_yield_map(split, insert_at=len(resource._pipe.steps))
