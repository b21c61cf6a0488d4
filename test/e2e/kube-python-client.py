"""Drives berth's Kubernetes API with the official Python client (Debian's python3-kubernetes).

Usage: kube-python-client.py KUBECONFIG POD. Prints one JSON object of what it saw.
"""
import json
import sys

import yaml

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward, stream

config.load_kube_config(config_file=sys.argv[1])
pod = sys.argv[2]
core = client.CoreV1Api()
apps = client.AppsV1Api()
ns = "default"
out = {}

out["nodes"] = len(core.list_node().items)
out["pod_phase"] = core.read_namespaced_pod(pod, ns).status.phase
out["deployments"] = [d.metadata.name for d in apps.list_namespaced_deployment(ns).items]

core.create_namespaced_config_map(
    ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm", labels={"from": "python"}), data={"k": "v1"})
)
out["selected"] = [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="from=python").items]
try:
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm")))
except ApiException as e:
    out["duplicate"] = [e.status, json.loads(e.body)["reason"]]

# A watch from the list's revision sees the change made after it.
rv = core.list_namespaced_config_map(ns).metadata.resource_version
core.patch_namespaced_config_map("py-cm", ns, {"data": {"k": "v2"}})
w = watch.Watch()
out["events"] = []
for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=15):
    if ev["object"].metadata.name != "py-cm":
        continue
    out["events"].append([ev["type"], ev["object"].data["k"]])
    if ev["object"].data["k"] == "v2":
        w.stop()
core.delete_namespaced_config_map("py-cm", ns)

# exec over the v4 channel protocol: output, and the exit code from the error channel's Status.
resp = stream(
    core.connect_get_namespaced_pod_exec,
    pod,
    ns,
    command=["sh", "-c", "echo py-$FLAVOR; echo oops >&2; exit 2"],
    stderr=True,
    stdin=False,
    stdout=True,
    tty=False,
    _preload_content=False,
)
resp.run_forever(timeout=30)
out["exec_stdout"] = resp.read_stdout()
out["exec_stderr"] = resp.read_stderr()
out["exec_code"] = resp.returncode
resp.close()

# port-forward over websocket channels: one connection to the pod's 8080.
pf = portforward(core.connect_get_namespaced_pod_portforward, pod, ns, ports="8080")
sock = pf.socket(8080)
sock.setblocking(True)
sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
answer = b""
while True:
    chunk = sock.recv(4096)
    if not chunk:
        break
    answer += chunk
sock.close()
out["forwarded"] = answer.decode().split("\r\n\r\n", 1)[-1]
out["forward_error"] = pf.error(8080)

out["log_lines"] = len(core.read_namespaced_pod_log(pod, ns).splitlines())

# A CustomResourceDefinition, its objects (typed and dynamic clients), and a server-side apply that meets
# the field the typed client's create made its own, then forces it.
ext = client.ApiextensionsV1Api()
ext.create_custom_resource_definition({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gizmos.py.example.com"},
    "spec": {"group": "py.example.com", "names": {"plural": "gizmos", "kind": "Gizmo"}, "scope": "Namespaced",
             "versions": [{"name": "v1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}}]}})
out["established"] = [c.type for c in ext.read_custom_resource_definition("gizmos.py.example.com").status.conditions]
custom = client.CustomObjectsApi()
custom.create_namespaced_custom_object("py.example.com", "v1", ns, "gizmos", {"apiVersion": "py.example.com/v1", "kind": "Gizmo", "metadata": {"name": "g"}, "spec": {"n": 1}})
out["gizmos"] = [(g["metadata"]["name"], g["spec"]["n"]) for g in custom.list_namespaced_custom_object("py.example.com", "v1", ns, "gizmos")["items"]]
try:
    custom.create_namespaced_custom_object("py.example.com", "v1", ns, "gizmos", {"apiVersion": "py.example.com/v1", "kind": "Gizmo", "metadata": {"name": "bad"}, "spec": {"n": "x"}})
except ApiException as e:
    out["invalid"] = [e.status, json.loads(e.body)["reason"]]
dyn = dynamic.DynamicClient(client.ApiClient())
gizmos = dyn.resources.get(api_version="py.example.com/v1", kind="Gizmo")
# The client sends an apply as the text it is given: YAML here.
body = yaml.safe_dump({"apiVersion": "py.example.com/v1", "kind": "Gizmo", "metadata": {"name": "g"}, "spec": {"n": 2}})
try:
    gizmos.server_side_apply(body=body, name="g", namespace=ns, field_manager="py")
except Exception as e:
    out["conflict"] = [e.status, json.loads(e.body)["details"]["causes"][0]["field"]]
applied = gizmos.server_side_apply(body=body, name="g", namespace=ns, field_manager="py", force_conflicts=True)
out["applied"] = applied.spec.n
ext.delete_custom_resource_definition("gizmos.py.example.com")
print(json.dumps(out))
