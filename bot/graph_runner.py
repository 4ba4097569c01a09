"""Run Rasa's prediction graphs node after node, without dask's scheduler.

Rasa 3.6 runs each message's NLU graph and each prediction graph through ``dask.get`` (its
single-threaded scheduler), which builds a task graph, orders it and tracks its state on every
call: 8% of the Rasa server's time per turn in the profile of issue #16, more than most
components (``docs/benchmarks.md``). The graphs are small, fixed and run in one thread anyway,
so :func:`install` makes ``DaskGraphRunner.run`` compute the order of the nodes once per set of
targets (dependencies first, as dask would) and call each node in turn with its parents' outputs,
exactly as dask passes them. Errors are the same: a node's exception propagates, a
``RuntimeError`` becomes Rasa's ``GraphRunError``. Only the Rasa server installs it (training and
``STOCK_RASA=1`` run Rasa's own).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

_ORIGINAL_RUN: Any = None


def execution_order(needs: Mapping[Text, Sequence[Text]], targets: Sequence[Text]) -> List[Text]:
    """The nodes the targets depend on, each after every node it needs (depth first).

    Args:
        needs: For every node of the graph, the names of the nodes (or inputs) it reads.
        targets: The nodes whose outputs are wanted.

    Returns:
        Node names in an order in which each node's needs come before it; names that are not
        nodes (the graph's inputs) are left out.
    """
    order: List[Text] = []
    done: set = set()

    def visit(name: Text) -> None:
        # The graphs are a few dozen nodes deep at most; recursion is fine.
        if name in done or name not in needs:
            return
        done.add(name)
        for parent in needs[name]:
            visit(parent)
        order.append(name)

    for target in targets:
        visit(target)
    return order


def run(self: Any, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    """``DaskGraphRunner.run`` without dask (see the module's docstring)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    cache: Dict[Tuple[Text, ...], List[Tuple[Text, Any, Tuple[Text, ...]]]] = self.__dict__.setdefault(
        "_bot_plans", {}
    )
    plan = cache.get(tuple(run_targets))
    if plan is None:
        nodes = self._graph_schema.nodes
        needs = {name: tuple(node.needs.values()) for name, node in nodes.items()}
        plan = [(name, self._instantiated_nodes[name], needs[name]) for name in execution_order(needs, run_targets)]
        cache[tuple(run_targets)] = plan
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in self._graph_schema.nodes:
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                f"passed to the `run` method are the same as node names in the graph schema."
            )
        results[name] = (name, value)
    try:
        for name, node, parents in plan:
            # dask passes an unresolved key as the bare name; GraphNode reports it the same way.
            results[name] = node(*(results.get(parent, parent) for parent in parents))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)


def install() -> None:
    """Replace ``DaskGraphRunner.run`` by :func:`run` in this process."""
    global _ORIGINAL_RUN
    from rasa.engine.runner.dask import DaskGraphRunner

    if _ORIGINAL_RUN is None:
        _ORIGINAL_RUN = DaskGraphRunner.run
        DaskGraphRunner.run = run  # type: ignore[method-assign]
