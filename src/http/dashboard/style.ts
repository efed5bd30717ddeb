/** The dashboard's stylesheet. */
export const DASHBOARD_CSS: string = `
:root { --bg: #f6f7f9; --fg: #1d2330; --muted: #6b7385; --card: #fff; --line: #e2e5eb;
  --queued: #3d7be0; --processing: #8a5cd6; --completed: #2e9e5b; --failed: #d9822b;
  --dead_letter: #c93c3c; --cancelled: #8b93a3; --total: #1d2330; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 14px; padding: 10px 20px; background: #1d2330; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
header .muted { color: #b8c0d0; }
header form { margin-left: auto; display: flex; gap: 6px; align-items: center; }
#logout { margin-left: auto; }
.pill { padding: 2px 10px; border-radius: 10px; background: #555; font-size: 12px; }
.pill.ok { background: var(--completed); } .pill.bad { background: var(--dead_letter); }
.muted { color: var(--muted); font-weight: normal; font-size: 12px; }
.message { margin: 10px 20px; padding: 8px 12px; background: #fff3e0; border: 1px solid #f0c089; border-radius: 6px; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; padding: 14px 20px 30px; }
.cards { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; border-top: 4px solid var(--c, #999); }
.card .n { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 0; overflow: auto; }
.panel.wide { grid-column: 1 / -1; }
h2 { font-size: 15px; margin: 2px 0 8px; display: flex; gap: 10px; align-items: center; }
h3 { font-size: 13px; margin: 12px 0 4px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { color: var(--dead_letter); max-width: 360px; overflow-wrap: anywhere; }
tr.link { cursor: pointer; } tr.link:hover { background: #f0f4ff; }
.status { padding: 1px 7px; border-radius: 8px; color: #fff; font-size: 12px; background: var(--c, #999); white-space: nowrap; }
.state-active { color: var(--completed); } .state-late { color: var(--failed); } .state-stale { color: var(--dead_letter); }
button { font: inherit; font-size: 12px; padding: 2px 10px; border-radius: 5px; border: 1px solid #aab; background: #fff; cursor: pointer; }
button:hover { background: #eef; }
pre { background: #f3f4f7; padding: 8px; border-radius: 6px; overflow: auto; max-height: 260px; white-space: pre-wrap; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
.chart svg { width: 100%; height: 180px; display: block; }
.chart .axis { stroke: #c9ced8; } .chart text { fill: var(--muted); font-size: 10px; }
.chart .ok { fill: var(--completed); } .chart .ko { fill: var(--dead_letter); }
.chart .dot { fill: var(--processing); }
.chart .p95 { fill: none; stroke: var(--processing); stroke-width: 2; } .chart .p50 { fill: none; stroke: var(--queued); stroke-width: 1.5; stroke-dasharray: 4 3; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; background: var(--c); }
`;
