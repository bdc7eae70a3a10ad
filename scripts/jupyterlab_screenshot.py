"""Screenshots of a notebook as JupyterLab renders it, taken with headless
Chromium driven over the DevTools protocol (websocket-client is the only
dependency). Opens the notebook from a running JupyterLab, waits until every
stored figure has rendered and the kernel is idle, then captures the notebook
page by page: each page starts at a cell and holds as many whole cells as fit
in the window, and the window is shrunk to fit each page, so nothing is cut
in half and no page is mostly empty. Nothing is executed.

Usage: python jupyterlab_screenshot.py CHROMIUM LAB_URL NOTEBOOK OUT_PREFIX
           [--width 1400] [--height 2200] [--pages N]
Writes OUT_PREFIX.png, OUT_PREFIX-2.png, ... and prints what it saw. Run by
scripts/screenshot, which starts JupyterLab.
"""
import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

ap = argparse.ArgumentParser()
ap.add_argument("chromium")
ap.add_argument("lab_url")
ap.add_argument("notebook")
ap.add_argument("out_prefix")
ap.add_argument("--width", type=int, default=1400)
ap.add_argument("--height", type=int, default=2200, help="the tallest a page may be")
ap.add_argument("--pages", type=int, default=0, help="at most this many pages (0: all)")
ap.add_argument("--timeout", type=float, default=120)
args = ap.parse_args()

# JavaScript helpers. The notebook widget is looked up among the main area's
# widgets rather than via shell.currentWidget, which is null until the
# window has focus.
NOTEBOOK = "[...window.jupyterapp.shell.widgets('main')].find(w => w.sessionContext)"
SCROLLER = """(() => {
    const panel = document.querySelector('.jp-NotebookPanel');
    return [panel, ...panel.querySelectorAll('*')].find(e =>
        /(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 4)
        || document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-Notebook');
})()"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Page:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JavaScript error: {r['exceptionDetails'].get('exception', {}).get('description')}")
        return r["result"].get("value")

    def wait(self, expr, what):
        end = time.time() + args.timeout
        while time.time() < end:
            try:
                if self.js(expr):
                    return
            except RuntimeError:
                pass
            time.sleep(0.5)
        self.shot(f"{args.out_prefix}-timeout.png")
        raise SystemExit(f"screenshot: timed out waiting for {what}; "
                         f"the page as it was is in {args.out_prefix}-timeout.png")

    def resize(self, height):
        self.call("Emulation.setDeviceMetricsOverride", width=args.width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"screenshot: wrote {path}")


def main():
    port = free_port()
    profile = tempfile.mkdtemp(prefix="lariat-chromium-")
    proc = subprocess.Popen(
        [args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
         f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
         f"--remote-debugging-port={port}", f"--window-size={args.width},{args.height}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = None
        for _ in range(150):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2))
                target = next(t for t in targets if t.get("type") == "page")
                break
            except Exception:
                time.sleep(0.2)
        if target is None:
            raise SystemExit("screenshot: Chromium's DevTools endpoint did not come up")
        capture(Page(target["webSocketDebuggerUrl"]))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def capture(p):
    p.call("Page.enable")
    # A headless window has no focus; without it JupyterLab has no current
    # widget and the status bar leaves out the kernel's name and state.
    p.call("Emulation.setFocusEmulationEnabled", enabled=True)
    p.resize(args.height)
    # ?reset: the default layout, not a workspace saved by an earlier visit.
    p.call("Page.navigate", url=f"{args.lab_url.rstrip('/')}/lab/tree/{args.notebook}?reset")
    p.wait(f"!!window.jupyterapp && !!document.querySelector('.jp-Notebook') && !!{NOTEBOOK}",
           "JupyterLab to open the notebook")
    # Room for the notebook: close the file browser; make the notebook the
    # current widget so the status bar describes it.
    p.js(f"""(async () => {{
        const app = window.jupyterapp;
        await app.restored;
        if (!app.shell.leftCollapsed) await app.commands.execute('application:toggle-left-area');
        app.shell.activateById({NOTEBOOK}.id);
        return true; }})()""")
    # Every stored PNG output decoded, and the kernel started and idle.
    p.wait("""(() => {
        const imgs = [...document.querySelectorAll('.jp-Notebook .jp-RenderedImage img')];
        const want = document.querySelectorAll('.jp-Notebook .jp-RenderedImage').length;
        return want > 0 && imgs.length >= want && imgs.every(i => i.complete && i.naturalWidth > 0);
        })()""", "the stored figures to render")
    p.wait(f"""(() => {{
        const s = {NOTEBOOK}.sessionContext;
        return !!s.session && s.kernelDisplayStatus === 'idle';
        }})()""", "the kernel to start and be idle")
    time.sleep(1.0)
    info = p.js(f"""(() => {{
        const s = {NOTEBOOK}.sessionContext;
        const bar = document.querySelector('#jp-main-statusbar');
        return {{kernel: s.kernelDisplayName, status: s.kernelDisplayStatus,
                 figures: document.querySelectorAll('.jp-Notebook .jp-RenderedImage img').length,
                 cells: document.querySelectorAll('.jp-Notebook .jp-Cell').length,
                 statusbar: bar ? bar.innerText.replace(/\\s+/g, ' ').trim() : ''}};
        }})()""")
    print(f"screenshot: kernel {info['kernel']} ({info['status']}), {info['cells']} cells, "
          f"{info['figures']} figures rendered; status bar: {info['statusbar']}")

    # Cell extents in the scroller's content coordinates, and the height of
    # everything around the scroller (menus, toolbar, status bar).
    geo = p.js(f"""(() => {{
        const sc = {SCROLLER};
        sc.scrollTop = 0;
        const top0 = sc.getBoundingClientRect().top;
        const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => {{
            const r = c.getBoundingClientRect();
            return [r.top - top0, r.bottom - top0];
        }});
        const foot = document.querySelector('.jp-Notebook-footer');
        const last = foot ? foot.getBoundingClientRect().bottom - top0
                          : (cells.length ? cells[cells.length - 1][1] : sc.scrollHeight);
        return {{cells, last, client: sc.clientHeight, total: sc.scrollHeight}};
        }})()""")
    chrome = args.height - geo["client"]
    cells, total = geo["cells"], geo["total"]
    pages, i = [], 0
    while i < len(cells):
        # Margins that stop short of the neighbouring cells.
        start = 0 if i == 0 else max(cells[i][0] - 8, cells[i - 1][1])
        j = i
        while j < len(cells) and cells[j][1] - start <= geo["client"]:
            j += 1
        if j == i:  # a cell taller than the window: show its top
            j = i + 1
        end = geo["last"] + 16 if j == len(cells) else min(cells[j - 1][1] + 12, cells[j][0])
        pages.append((start, min(end, total)))
        i = j
    if args.pages:
        pages = pages[:args.pages]
    for n, (start, end) in enumerate(pages, 1):
        p.resize(int(min(args.height, chrome + (end - start))))
        time.sleep(0.5)
        p.js(f"(() => {{ {SCROLLER}.scrollTop = {start}; return true; }})()")
        time.sleep(1.0)
        p.shot(f"{args.out_prefix}.png" if n == 1 else f"{args.out_prefix}-{n}.png")


main()
