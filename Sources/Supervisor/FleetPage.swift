/// The fleet page served at `GET /` on the supervisor's port (docs/operations.md, "The fleet page"): one
/// self-contained HTML document — no script, style or font from anywhere else, so it works offline — that reads
/// `/health` every second and shows every process, which worker holds which partition, the moves in progress, the
/// warnings, and each process's rate of processed commands (the difference between two reports). When `/health`
/// needs the control token (`--protect-health`), open the page as `/#token=…`; the token stays in the browser.
enum FleetPage {
    /// The page.
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Switchyard fleet</title>
        <style>
          :root { font-family: system-ui, sans-serif; color: #1d2433; background: #f6f7f9; }
          body { margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; }
          h1 { font-size: 1.4rem; margin: 0.5rem 0; }
          h2 { font-size: 1.05rem; margin: 1.6rem 0 0.5rem; }
          .summary { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: baseline; }
          .badge { padding: 0.15rem 0.6rem; border-radius: 1rem; font-weight: 600; color: white; }
          .healthy { background: #2f7d4f; } .unhealthy { background: #b3261e; } .unknown { background: #6b7280; }
          table { border-collapse: collapse; width: 100%; background: white; font-size: 0.9rem; }
          th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e6eb; white-space: nowrap; }
          th { background: #eef0f4; font-weight: 600; }
          td.num { text-align: right; font-variant-numeric: tabular-nums; }
          tr.bad td { background: #fdecea; }
          td.error { white-space: normal; color: #b3261e; font-size: 0.8rem; }
          .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(3.2rem, 1fr)); gap: 3px; }
          .cell { padding: 0.25rem; border-radius: 3px; font-size: 0.75rem; text-align: center; color: #111; }
          .cell.moving { outline: 2px dashed #1d2433; }
          .legend { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.4rem 0; font-size: 0.85rem; }
          .swatch { display: inline-block; width: 0.9rem; height: 0.9rem; border-radius: 2px; vertical-align: -2px; }
          ul.warnings li { color: #8a4b00; margin: 0.2rem 0; }
          .muted { color: #6b7280; }
        </style>
        </head>
        <body>
        <h1>Switchyard fleet</h1>
        <div class="summary">
          <span id="status" class="badge unknown">loading</span>
          <span>map epoch <b id="epoch">–</b></span>
          <span><b id="partition-count">–</b> partitions</span>
          <span>links: <b id="links">–</b></span>
          <span>roll: <b id="roll">none</b></span>
          <span class="muted">updated <span id="updated">never</span></span>
        </div>
        <p id="problem" class="muted" hidden></p>
        <h2>Warnings</h2>
        <ul id="warnings" class="warnings"></ul>
        <h2>Processes</h2>
        <table>
          <thead><tr><th>id</th><th>role</th><th>host</th><th>state</th><th>pid</th><th>restarts</th>
            <th>executable</th><th>heartbeat age</th><th>partitions</th><th>processed/s</th><th>last error</th></tr></thead>
          <tbody id="processes"></tbody>
        </table>
        <h2>Partitions</h2>
        <div id="legend" class="legend"></div>
        <div id="partitions" class="grid"></div>
        <h2>Moves in progress</h2>
        <table>
          <thead><tr><th>partition</th><th>from</th><th>to</th><th>age</th></tr></thead>
          <tbody id="moves"></tbody>
        </table>
        <script>
        "use strict";
        const token = new URLSearchParams(location.hash.slice(1)).get("token");
        const headers = token ? { Authorization: "Bearer " + token } : {};
        const palette = ["#8ecae6", "#ffb703", "#95d5b2", "#f4a6a6", "#cdb4db", "#ffd6a5", "#a3c4f3", "#d8e2dc",
                         "#f6bd60", "#b5e48c", "#90dbf4", "#f1c0e8"];
        let previous = null;

        function el(tag, text, attributes) {
          const node = document.createElement(tag);
          if (text !== undefined && text !== null) node.textContent = String(text);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
          return node;
        }

        function row(cells, attributes) {
          const tr = el("tr", null, attributes);
          for (const cell of cells) tr.appendChild(cell instanceof Node ? cell : el("td", cell));
          return tr;
        }

        function render(health, now) {
          const status = document.getElementById("status");
          status.textContent = health.status;
          status.className = "badge " + (health.status === "healthy" ? "healthy" : "unhealthy");
          document.getElementById("epoch").textContent = health.epoch;
          document.getElementById("partition-count").textContent = health.partitionCount;
          document.getElementById("links").textContent = health.links ? health.links.security : "?";
          const roll = health.roll;
          document.getElementById("roll").textContent = !roll ? "none"
            : roll.state + " onto " + roll.executable + " (" + roll.replaced.length + " replaced"
              + (roll.current ? "; " + roll.current.id + ": " + roll.current.step : "") + ")";
          document.getElementById("updated").textContent = new Date(now).toLocaleTimeString();

          const warnings = document.getElementById("warnings");
          warnings.replaceChildren(...(health.warnings.length ? health.warnings.map(w => el("li", w))
                                                              : [el("li", "none", { class: "muted" })]));

          const rates = {};
          if (previous) {
            const seconds = (now - previous.time) / 1000;
            for (const p of health.processes) {
              const before = previous.processed[p.id];
              if (before !== undefined && seconds > 0 && p.processed >= before) {
                rates[p.id] = Math.round((p.processed - before) / seconds);
              }
            }
          }
          previous = { time: now, processed: Object.fromEntries(health.processes.map(p => [p.id, p.processed])) };

          const workers = health.processes.filter(p => p.role === "worker").map(p => p.id);
          const colour = id => palette[workers.indexOf(id) % palette.length] || "#e5e7eb";
          const processes = document.getElementById("processes");
          processes.replaceChildren(...health.processes.map(p => {
            const age = p.lastHeartbeatAgeMs === null ? "–" : p.lastHeartbeatAgeMs + " ms";
            const swatch = el("td");
            swatch.appendChild(el("span", null, { class: "swatch", style: "background:" + colour(p.id) }));
            swatch.appendChild(document.createTextNode(" " + p.id));
            return row([
              p.role === "worker" ? swatch : el("td", p.id), p.role, p.host || "local", p.state,
              p.pid === null ? "–" : p.pid, el("td", p.restarts, { class: "num" }), p.executable || "–",
              el("td", age, { class: "num" }),
              el("td", p.role === "worker" ? p.partitions.length : "", { class: "num" }),
              el("td", rates[p.id] === undefined ? "…" : rates[p.id], { class: "num" }),
              el("td", p.quickExits > 0 && p.lastError ? p.lastError : "", { class: "error" }),
            ], { "data-process": p.id, class: p.healthy ? "" : "bad" });
          }));

          const owner = new Array(health.partitionCount).fill(null);
          for (const p of health.processes) {
            if (p.role === "worker") for (const partition of p.partitions) owner[partition] = p.id;
          }
          const moving = Object.fromEntries(health.moves.map(m => [m.partition, m]));
          document.getElementById("legend").replaceChildren(...workers.map(id => {
            const item = el("span");
            item.appendChild(el("span", null, { class: "swatch", style: "background:" + colour(id) }));
            item.appendChild(document.createTextNode(" " + id));
            return item;
          }));
          document.getElementById("partitions").replaceChildren(...owner.map((id, partition) => {
            const move = moving[partition];
            const label = move ? partition + " →" + move.to : partition + " " + (id || "?");
            return el("div", label, {
              class: "cell" + (move ? " moving" : ""), "data-partition": partition, "data-owner": id || "",
              title: "partition " + partition + (move ? ": moving " + move.from + " → " + move.to : ": " + (id || "none")),
              style: "background:" + (id ? colour(id) : "#e5e7eb"),
            });
          }));

          const moves = document.getElementById("moves");
          moves.replaceChildren(...(health.moves.length
            ? health.moves.map(m => row([m.partition, m.from, m.to, m.ageMs + " ms"]))
            : [row([el("td", "none", { colspan: 4, class: "muted" })])]));
        }

        function problem(text) {
          const node = document.getElementById("problem");
          node.hidden = !text;
          node.textContent = text || "";
          if (text) {
            const status = document.getElementById("status");
            status.textContent = "unknown";
            status.className = "badge unknown";
          }
        }

        async function refresh() {
          try {
            const response = await fetch("/health", { headers, cache: "no-store" });
            if (response.status === 401) {
              problem("This fleet protects /health: open this page as /#token=YOUR_CONTROL_TOKEN.");
              return;
            }
            render(await response.json(), Date.now());
            problem(null);
          } catch (error) {
            problem("The supervisor does not answer: " + error);
          }
        }

        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """#
}
