"""The deployment files under deploy/: they parse, and everything they name exists in the project.

No Docker daemon or Kubernetes cluster runs here, so these tests read the files
(docs/deploy.md): the modules, ports, probe paths and environment variables they name are checked
against the code, and no secret may have a value in any of them. The one piece of deploy/ that
runs here is deploy/start_rasa.py, up to the point where it would replace itself with Rasa.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import re
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
import yaml
from sanic import Sanic

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
NGINX_COMPOSE = DEPLOY / "nginx" / "compose.conf"
GUIDE = ROOT / "docs" / "deploy.md"

#: The module that starts each server.
SERVER_MODULES = {
    "deploy.start_rasa": "rasa", "bot.rasa_server": "rasa", "bot.action_server": "actions", "bot.web": "web",
}
#: Each server's port is the default of bot/settings.py.
PORTS = {"rasa": Settings().rasa_port, "actions": Settings().action_port, "web": Settings().web_port}
PORT_VARIABLES = {"rasa": "RASA_PORT", "actions": "ACTION_PORT", "web": "WEB_PORT"}
#: The probes of the contract (issue 14), per server.
PROBES = {
    "rasa": {"readinessProbe": "/ready", "livenessProbe": "/"},
    "actions": {"readinessProbe": "/health", "livenessProbe": "/health"},
    "web": {"readinessProbe": "/ready", "livenessProbe": "/health"},
}
#: Variables deploy/ names that neither bot/settings.py nor .env.example knows, and who reads them.
THIRD_PARTY_VARIABLES = {
    "PATH": "the shell",
    "HOME": "every program (caches under the home directory)",
    "PYTHONUNBUFFERED": "Python",
    "PYTHONDONTWRITEBYTECODE": "Python",
    "PIP_DISABLE_PIP_VERSION_CHECK": "pip",
    "PIP_NO_CACHE_DIR": "pip",
    "TF_CPP_MIN_LOG_LEVEL": "TensorFlow",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "SQLAlchemy",
    "TQDM_DISABLE": "tqdm",
    "RASA_TELEMETRY_ENABLED": "Rasa",
    "TICKET_LOCK_LIFETIME": "Rasa's lock store",
    "SANIC_REQUEST_MAX_SIZE": "Sanic",
    "SANIC_PROXIES_COUNT": "Sanic",
    "SANIC_WORKERS": "Rasa (its Sanic workers)",
    "PROMETHEUS_MULTIPROC_DIR": "prometheus-client",
    "POSTGRES_USER": "the postgres image",
    "POSTGRES_DB": "the postgres image",
    "POSTGRES_PASSWORD": "the postgres image",
    "RABBITMQ_DEFAULT_USER": "the rabbitmq image",
    "RABBITMQ_DEFAULT_PASS": "the rabbitmq image",
}
#: A variable is a secret when one of these is a word of its name ...
SECRET_WORDS = {"TOKEN", "SECRET", "PASSWORD", "PASS", "PASSWD", "KEY", "KEYS", "CREDENTIALS"}
#: ... or when it is a URL that may carry a password.
CREDENTIAL_URLS = {"TRACKER_DB_URL", "REDIS_URL", "EVENT_BROKER_URL"}
REQUIRED_INPUT = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}")
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:(\$\{[^}]*\}|[^\s@'\"/]+)@")
PYTHON_MODULE = re.compile(r"""python3?['"]?\s*,?\s*['"]?-m['"]?\s*,?\s*['"]?([A-Za-z_][\w.]*)""")
VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def is_secret(name: str) -> bool:
    return bool(SECRET_WORDS & set(name.split("_"))) or name in CREDENTIAL_URLS


# ---------------------------------------------------------------- reading the files


def deploy_files() -> List[Path]:
    return sorted(path for path in DEPLOY.rglob("*") if path.is_file() and "__pycache__" not in path.parts)


def yaml_files() -> List[Path]:
    return [path for path in deploy_files() if path.suffix in (".yaml", ".yml")]


def compose() -> Dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def k8s_documents() -> Iterator[Dict[str, Any]]:
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            yield from (document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document)


def k8s_kind(kind: str) -> List[Dict[str, Any]]:
    return [document for document in k8s_documents() if document["kind"] == kind]


def k8s_containers() -> Iterator[Tuple[Dict[str, Any], Dict[str, Any]]]:
    for deployment in k8s_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield deployment, container


def server_of(command: Any) -> str:
    """The server a command starts, from the module it runs."""
    text = " ".join(command) if isinstance(command, list) else str(command)
    modules = [module for module in PYTHON_MODULE.findall(text) if module in SERVER_MODULES]
    assert modules, f"no server module in {text!r}"
    return SERVER_MODULES[modules[0]]


def app_services() -> Dict[str, Tuple[str, Dict[str, Any]]]:
    """Compose services that run our image: name -> (server, service)."""
    return {
        name: (server_of(service["command"]), service)
        for name, service in compose()["services"].items()
        if str(service.get("image", "")).startswith("aalborg-assistant")
    }


def environment(service: Dict[str, Any]) -> Dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict([*item.split("=", 1), None][:2] for item in env)
    return dict(env)


def dockerfile() -> List[Tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    instructions = []
    for line in re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8")).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def final_stage() -> List[Tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def dockerfile_assignments(word: str) -> Dict[str, str]:
    """Names and values of the Dockerfile's ENV or ARG instructions."""
    found = {}
    for instruction, args in dockerfile():
        if instruction == word:
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                found[name] = value
    return found


def nginx_upstreams(text: str) -> Dict[str, str]:
    """Upstream name -> its block's body."""
    return dict(re.findall(r"upstream\s+([\w-]+)\s*\{([^}]*)\}", text))


def quantity(value: Any) -> float:
    """A Kubernetes CPU or memory quantity as a number (cores or bytes)."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


# ---------------------------------------------------------------- every file parses


def test_every_yaml_file_parses():
    names = {path.relative_to(DEPLOY).as_posix() for path in yaml_files()}
    assert {"compose.yaml", "k8s/kustomization.yaml", "k8s/rasa.yaml"} <= names
    for path in yaml_files():
        documents = [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]
        assert documents, f"{path.name} is empty"
        assert all(isinstance(document, dict) for document in documents), path.name
    kinds = {document["kind"] for document in k8s_documents()}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap"} <= kinds


# ---------------------------------------------------------------- the image


def test_dockerfile_is_multi_stage_on_the_projects_python():
    instructions = dockerfile()
    stages = [args.split() for word, args in instructions if word == "FROM"]
    assert len(stages) >= 2, "a build stage and a runtime stage"
    python = (ROOT / ".python-version").read_text().strip()
    for stage in stages:
        assert stage[0] == f"python:{python}-slim", f"{stage[0]}: the Python of .python-version is {python}"
    build_name = stages[0][2] if len(stages[0]) == 3 and stages[0][1].upper() == "AS" else None
    assert build_name, "the build stage has a name"
    runs = " ".join(args for word, args in instructions[: len(instructions) - len(final_stage())] if word == "RUN")
    assert "pip install -c requirements/constraints.txt ." in runs
    assert "python -m bot.run train" in runs, "the model is trained at build time"
    copies = [args for word, args in final_stage() if word == "COPY"]
    assert any(args.startswith(f"--from={build_name} /opt/venv") for args in copies)
    assert any(args.startswith(f"--from={build_name} /app/models") for args in copies)


def test_dockerfile_ends_with_a_non_root_user():
    stage = final_stage()
    users = [args for word, args in stage if word == "USER"]
    assert users, "the runtime stage sets a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), f"USER {users[-1]}: a fixed, non-root uid"
    last_user = max(i for i, (word, _) in enumerate(stage) if word == "USER")
    assert all(word not in ("RUN", "COPY", "ADD") for word, _ in stage[last_user:]), "nothing runs as root after USER"
    assert stage[-1][0] in ("CMD", "ENTRYPOINT")
    for deployment, _ in k8s_containers():
        context = deployment["spec"]["template"]["spec"]["securityContext"]
        assert context["runAsNonRoot"] is True and str(context["runAsUser"]) == user, deployment["metadata"]["name"]


def test_dockerfile_holds_no_secret():
    for word in ("ENV", "ARG"):
        for name in dockerfile_assignments(word):
            assert not is_secret(name), f"{word} {name}: secrets come from the environment at run time"
    assert dockerfile_assignments("ENV")["BIND_HOST"] == "0.0.0.0"  # explicit in the container only


def test_dockerfile_exposes_the_servers_ports():
    exposed = {int(port) for word, args in dockerfile() if word == "EXPOSE" for port in args.split()}
    assert exposed == set(PORTS.values())


def test_build_context_and_copies():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".venv", "var", "models", ".git"} <= ignored
    copied: List[str] = []
    for word, args in dockerfile():
        if word == "COPY" and not args.startswith("--from="):
            *sources, _ = args.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
                assert Path(source).parts[0] not in ignored, f"COPY {source}: left out by .dockerignore"
    for word, args in final_stage():
        if word == "COPY" and not args.startswith("--from="):
            copied.extend(args.split()[:-1])
    # Every project module a deploy file starts is in the runtime image.
    for module in named_modules():
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin
        path = Path(spec.origin).resolve()
        if ROOT in path.parents:
            relative = path.relative_to(ROOT).as_posix()
            assert any(relative.startswith(source.rstrip("/")) for source in copied), f"{relative} not in the image"


# ---------------------------------------------------------------- modules, ports, routes


def named_modules() -> Set[str]:
    modules: Set[str] = set()
    for path in deploy_files():
        modules |= set(PYTHON_MODULE.findall(path.read_text(encoding="utf-8")))
    return modules


def test_every_python_module_named_exists():
    modules = named_modules()
    assert {"bot.web", "bot.action_server", "bot.rasa_server", "deploy.start_rasa", "bot.run"} <= modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"python -m {module}: no such module"
    commands = [service["command"] for _, service in app_services().values()]
    commands += [container["command"] + container.get("args", []) for _, container in k8s_containers()]
    assert sorted(server_of(command) for command in commands) == sorted(["rasa", "actions", "web"] * 2)


def test_container_and_probe_ports_are_the_settings_defaults():
    for name, (server, service) in app_services().items():
        assert service["expose"] == [str(PORTS[server])], name
        assert re.findall(r"127\.0\.0\.1:(\d+)/", " ".join(service["healthcheck"]["test"])) == [str(PORTS[server])]
        assert PORT_VARIABLES[server] not in environment(service), f"{name} moves its own port"
    for deployment, container in k8s_containers():
        server = server_of(container["command"] + container.get("args", []))
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert list(ports.values()) == [PORTS[server]], deployment["metadata"]["name"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe in container:
                port = container[probe]["httpGet"]["port"]
                assert ports.get(port, port) == PORTS[server], f"{deployment['metadata']['name']} {probe}"
        assert PORT_VARIABLES[server] not in {item["name"] for item in container.get("env", [])}
    pods = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"] for d in k8s_kind("Deployment")}
    for service in k8s_kind("Service"):
        matching = [name for name, labels in pods.items() if service["spec"]["selector"].items() <= labels.items()]
        assert len(matching) == 1, f"Service {service['metadata']['name']} selects {matching}"
        containers = [c for d, c in k8s_containers() if d["metadata"]["name"] == matching[0]]
        server = server_of(containers[0]["command"] + containers[0].get("args", []))
        for port in service["spec"]["ports"]:
            assert port["port"] == PORTS[server] and port["targetPort"] in ("http", PORTS[server])


def test_rasa_finds_the_action_servers():
    services = app_services()
    actions = [name for name, (server, _) in services.items() if server == "actions"]
    for server, service in services.values():
        if server == "rasa":
            url = environment(service)["ACTION_ENDPOINT_URL"]
            assert url in [f"http://{action}:{PORTS['actions']}/webhook" for action in actions], url
    k8s_actions = [
        s["metadata"]["name"] for s in k8s_kind("Service") if s["spec"]["ports"][0]["port"] == PORTS["actions"]
    ]
    (config,) = k8s_kind("ConfigMap")
    assert config["data"]["ACTION_ENDPOINT_URL"] in [
        f"http://{name}:{PORTS['actions']}/webhook" for name in k8s_actions
    ]


def decorated_routes(source: Path) -> Set[str]:
    """Paths of ``@app.get("/x")``-style route decorators in a Python file, found without importing it."""
    paths = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in ("get", "post", "put", "delete", "route")
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                    and str(decorator.args[0].value).startswith("/")
                ):
                    paths.add(str(decorator.args[0].value))
    return paths


def router_paths(app: Sanic) -> Set[str]:
    return {"/" + route.path for route in app.router.routes}


def rasa_routes() -> Set[str]:
    """Rasa's own routes (from its source) and those ``bot.rasa_server`` adds to Rasa's app.

    Ours are whatever ``bot/rasa_server.py`` defines itself, plus what every ``add_*routes``
    function it imports from our package adds to a fresh app.
    """
    rasa_server = importlib.util.find_spec("rasa.server")
    assert rasa_server is not None and rasa_server.origin
    routes = decorated_routes(Path(rasa_server.origin))
    ours = ROOT / "bot" / "rasa_server.py"
    routes |= decorated_routes(ours)
    for node in ast.walk(ast.parse(ours.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot."):
            for alias in node.names:
                if alias.name.startswith("add_") and alias.name.endswith("routes"):
                    app = Sanic(f"deploy_rasa_{uuid.uuid4().hex[:8]}")
                    getattr(importlib.import_module(node.module or ""), alias.name)(app)
                    routes |= router_paths(app)
    return routes


@pytest.fixture(scope="module")
def server_routes(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Set[str]]:
    from bot.action_server import create_app as create_action_app
    from bot.web.app import create_app as create_web_app

    var = tmp_path_factory.mktemp("var")
    settings = Settings(var_dir=var, tracker_db_url=f"sqlite:///{var / 'tracker.db'}", action_server_token="t" * 32)
    return {
        "rasa": rasa_routes(),
        "actions": router_paths(create_action_app(settings)),
        "web": router_paths(create_web_app(settings, name=f"deploy_web_{uuid.uuid4().hex[:8]}")),
    }


def test_probes_are_the_contracts_and_their_paths_are_routes(server_routes):
    probes: List[Tuple[str, str, str]] = []
    for deployment, container in k8s_containers():
        server = server_of(container["command"] + container.get("args", []))
        for probe, path in PROBES[server].items():
            assert container[probe]["httpGet"]["path"] == path, f"{deployment['metadata']['name']} {probe}"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe in container:
                probes.append((deployment["metadata"]["name"], server, container[probe]["httpGet"]["path"]))
    for name, (server, service) in app_services().items():
        (path,) = re.findall(r"127\.0\.0\.1:\d+(/[\w/-]*)", " ".join(service["healthcheck"]["test"]))
        assert path == PROBES[server]["readinessProbe"], f"{name}: its health check is its readiness"
        probes.append((name, server, path))
    for where, server, path in probes:
        assert path in server_routes[server], f"{where}: {server} has no route {path}"


# ---------------------------------------------------------------- variables and secrets


def project_variables() -> Set[str]:
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    return names | set(re.findall(r"""["']([A-Z][A-Z0-9_]+)["']""", (ROOT / "bot" / "settings.py").read_text()))


def named_variables() -> Dict[str, Set[str]]:
    """Every environment variable named in deploy/, and the files naming it."""
    named: Dict[str, Set[str]] = {}

    def add(names: Any, where: str) -> None:
        for name in names:
            named.setdefault(name, set()).add(where)

    text = re.sub(r"(^|\s)#.*", "", COMPOSE_FILE.read_text(encoding="utf-8"))  # without comments
    add(re.findall(r"\$\$?\{?([A-Z][A-Z0-9_]*)", text), "compose.yaml")
    for service in compose()["services"].values():
        add(environment(service), "compose.yaml")
    add(dockerfile_assignments("ENV"), "Dockerfile")
    add(dockerfile_assignments("ARG"), "Dockerfile")
    add(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", " ".join(args for _, args in dockerfile())), "Dockerfile")
    for document in k8s_kind("ConfigMap"):
        add(document["data"], "k8s ConfigMap")
    for _, container in k8s_containers():
        for item in container.get("env", []):
            add([item["name"]], "k8s env")
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                add([ref["key"]], "k8s secretKeyRef")
        add(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", " ".join(container["command"] + container.get("args", []))), "k8s")
    for path in deploy_files():
        if path.suffix == ".py":
            strings = [
                node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            ]
            add([value for value in strings if VARIABLE.fullmatch(value)], path.name)
    return named


def test_every_variable_named_is_known():
    known = project_variables() | set(THIRD_PARTY_VARIABLES)
    named = named_variables()
    unknown = {name: sorted(where) for name, where in named.items() if name not in known}
    assert not unknown, f"not in bot/settings.py, .env.example or THIRD_PARTY_VARIABLES: {unknown}"
    unused = set(THIRD_PARTY_VARIABLES) - set(named)
    assert not unused, f"THIRD_PARTY_VARIABLES lists variables deploy/ no longer names: {sorted(unused)}"


def test_no_secret_has_a_value_in_any_deploy_file():
    # Compose: a secret is required from the environment (${VAR:?...}) or passed on without a value.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name, operator in re.findall(r"\$\{([A-Z][A-Z0-9_]*)([^}A-Z0-9_]?[-?+]?)", text):
        if is_secret(name):
            assert operator == ":?", f"${{{name}{operator}...}}: a secret is required and has no default"
    for service_name, service in compose()["services"].items():
        for name, value in environment(service).items():
            if value is None:
                continue
            if is_secret(name) and name not in CREDENTIAL_URLS:
                assert REQUIRED_INPUT.fullmatch(str(value)), f"{service_name}: {name} has a literal value"
    # Kubernetes: secrets come from a Secret; no Secret object, ConfigMap or plain value holds one.
    for _, container in k8s_containers():
        for item in container.get("env", []):
            if is_secret(item["name"]):
                assert "value" not in item and "secretKeyRef" in item.get("valueFrom", {}), item["name"]
    assert not k8s_kind("Secret"), "a Secret with values must not be committed"
    assert "secretGenerator" not in yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for config in k8s_kind("ConfigMap"):
        assert not [name for name in config["data"] if is_secret(name)], config["metadata"]["name"]
    # Every file: a password inside a URL is always a required variable.
    for path in deploy_files():
        for password in URL_PASSWORD.findall(path.read_text(encoding="utf-8")):
            assert REQUIRED_INPUT.fullmatch(password), f"{path.name}: a URL carries the password {password!r}"


def test_every_secret_is_in_the_operators_guide():
    guide = GUIDE.read_text(encoding="utf-8")
    secrets: Dict[str, Set[str]] = {}
    optional_secrets = set()
    for _, container in k8s_containers():
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secrets.setdefault(ref["name"], set())
                (optional_secrets if ref.get("optional") else secrets[ref["name"]]).add(ref["key"])
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                secrets.setdefault(source["secretRef"]["name"], set())
    assert secrets
    for name, keys in secrets.items():
        assert re.search(rf"kubectl [^\n]*create secret generic {name}\b", guide), f"how to create {name}"
        for key in keys:
            assert f"--from-literal={key}=" in guide, f"{name}: {key}"
    for key in optional_secrets:
        assert key in guide
    for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", COMPOSE_FILE.read_text(encoding="utf-8")):
        assert name in guide, f"compose requires {name}; the guide does not say so"


# ---------------------------------------------------------------- nginx, compose, Kubernetes


def test_nginx_routes_only_to_compose_services():
    services = compose()["services"]
    conf = NGINX_COMPOSE.read_text(encoding="utf-8")
    upstreams = nginx_upstreams(conf)
    assert upstreams
    app_ports = {name: PORTS[server] for name, (server, _) in app_services().items()}
    for upstream, body in upstreams.items():
        servers = re.findall(r"server\s+([a-z][\w-]*):(\d+)", body)
        assert servers, f"upstream {upstream} has no server"
        for host, port in servers:
            assert host in services, f"upstream {upstream}: no compose service {host}"
            assert int(port) == app_ports.get(host), f"upstream {upstream}: {host} listens on {app_ports.get(host)}"
    targets = set(re.findall(r"proxy_pass\s+http://([\w-]+)", conf))
    assert targets == set(upstreams), "every proxy_pass names an upstream, and every upstream is used"
    # Sticky by client address only for socket.io; Rasa's other paths are spread round-robin.
    locations = dict(re.findall(r"location\s+([^{]+?)\s*\{[^}]*?proxy_pass\s+http://([\w-]+)", conf))
    assert "hash" in upstreams[locations["/socket.io/"]]
    rest = next(target for location, target in locations.items() if "webhooks" in location)
    assert "hash" not in upstreams[rest] and "ip_hash" not in upstreams[rest]
    volumes = " ".join(services["nginx"]["volumes"])
    mounted = re.findall(r"(\./[\w./-]+):", volumes)
    assert mounted and all((DEPLOY / source).is_file() for source in mounted)


def test_compose_scales_rasa_and_actions():
    for name, (server, service) in app_services().items():
        replicas = str(service["deploy"]["replicas"]) if server in ("rasa", "actions") else None
        if server == "rasa":
            variable = re.fullmatch(r"\$\{([A-Z_]+):-\d+\}", replicas or "")
            assert variable and variable.group(1) in project_variables(), f"{name}: replicas {replicas}"
        if server == "actions":
            assert replicas == "2"


def test_kustomization_lists_existing_files_only():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    resources = kustomization["resources"]
    for name in resources:
        assert (K8S / name).is_file(), f"kustomization lists {name}, which does not exist"
    assert {path.name for path in K8S.glob("*.yaml")} == set(resources) | {"kustomization.yaml"}
    images = {image["name"] for image in kustomization.get("images", [])}
    assert {container["image"] for _, container in k8s_containers()} <= images


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_renders_the_manifests():
    done = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kinds = [document["kind"] for document in yaml.safe_load_all(done.stdout) if document]
    assert kinds.count("Deployment") == 3 and kinds.count("HorizontalPodAutoscaler") == 2


def test_kubernetes_objects_fit_together():
    deployments = {d["metadata"]["name"]: d for d in k8s_kind("Deployment")}
    scaled = set()
    for hpa in k8s_kind("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments, target
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        scaled.add(target["name"])
        assert "replicas" not in deployments[target["name"]]["spec"], "the autoscaler owns the replica count"
    servers = {d["metadata"]["name"]: server_of(c["command"] + c.get("args", [])) for d, c in k8s_containers()}
    assert {servers[name] for name in scaled} == {"rasa", "actions"}
    for deployment, container in k8s_containers():
        resources = container["resources"]
        for kind in ("cpu", "memory"):
            request, limit = resources["requests"][kind], resources["limits"][kind]
            assert quantity(request) <= quantity(limit), f"{deployment['metadata']['name']} {kind}"
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


# ---------------------------------------------------------------- deploy/start_rasa.py


def credential_placeholders() -> Set[str]:
    return set(re.findall(r"\$\{([^}]+)\}", (ROOT / "credentials.yml").read_text(encoding="utf-8")))


def test_start_rasa_runs_the_command_make_run_uses(tmp_path, monkeypatch):
    start_rasa = importlib.import_module("deploy.start_rasa")
    for name in credential_placeholders():
        monkeypatch.delenv(name, raising=False)
    token = "t" * 40
    settings = Settings(var_dir=tmp_path, host="0.0.0.0", rasa_api_token=token)
    command, env = start_rasa.prepare(settings, ["--debug"])

    assert command[1:4] == ["-m", "bot.rasa_server", "run"] and command[-1] == "--debug"
    options = dict(itertools.pairwise(command))
    assert options["--model"] == str(ROOT / "models")  # the folder: Rasa loads the newest model in it
    assert options["--interface"] == "0.0.0.0" and options["--port"] == str(PORTS["rasa"])
    assert options["--endpoints"] == "endpoints.yml" and "--enable-api" in command
    assert f"--auth-token={token}" in command
    credentials = Path(options["--credentials"])
    assert credentials.parent == tmp_path
    active = yaml.safe_load(credentials.read_text())
    assert set(active) == {
        key for key, value in yaml.safe_load((ROOT / "credentials.yml").read_text()).items() if "${" not in str(value)
    }
    assert token not in credentials.read_text()
    assert env["SANIC_WORKERS"] == "1" and env["RASA_TELEMETRY_ENABLED"] == "false"


def test_start_rasa_stops_with_one_line(tmp_path, monkeypatch):
    start_rasa = importlib.import_module("deploy.start_rasa")
    for name in credential_placeholders():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(start_rasa.StartError, match="set RASA_API_TOKEN"):
        start_rasa.prepare(Settings(var_dir=tmp_path))
    monkeypatch.setenv("TELEGRAM_ACCESS_TOKEN", "123:abc")
    with pytest.raises(start_rasa.StartError, match="telegram is partly configured"):
        start_rasa.prepare(Settings(var_dir=tmp_path, rasa_api_token="t" * 40))


def test_the_cluster_nginx_template_renders(tmp_path):
    from bot.cluster import render_nginx_config

    text = render_nginx_config(Settings(), tmp_path)
    assert "{{" not in text
    assert "server 127.0.0.1:5006 " in text and "server 127.0.0.1:5007 " in text
