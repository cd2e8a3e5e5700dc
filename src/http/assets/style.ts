/** The pages' one stylesheet, served as /assets/style.css (a string here so the build needs no copy step). */
export const STYLE_CSS = `
:root {
  --bg: #f6f7fb; --card: #ffffff; --text: #1c2033; --muted: #5d6478; --line: #e3e6ef;
  --accent: #4f46e5; --accent-soft: #eef0ff; --ok: #0f8a5f; --warn: #b7791f; --bad: #c53030;
  --ok-soft: #e6f6ef; --warn-soft: #fdf4e3; --bad-soft: #fdecec; --radius: 12px;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1220; --card: #171b2e; --text: #e7e9f3; --muted: #9aa1b8; --line: #2a3050;
    --accent: #8b85ff; --accent-soft: #24264a; --ok-soft: #12332a; --warn-soft: #3a2f14; --bad-soft: #3b1b1f; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 16px/1.55 var(--font); }
a { color: var(--accent); }
header.top { background: var(--card); border-bottom: 1px solid var(--line); }
header.top .wrap { display: flex; align-items: center; gap: 1rem; min-height: 60px; flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--text); text-decoration: none; display: flex; align-items: center; gap: .5rem; }
.brand .logo { width: 28px; height: 28px; border-radius: 8px; background: var(--accent); display: inline-grid; place-items: center; color: #fff; font-size: .95rem; }
nav.main { display: flex; gap: .25rem; margin-left: auto; align-items: center; flex-wrap: wrap; }
nav.main a { text-decoration: none; color: var(--muted); padding: .4rem .7rem; border-radius: 8px; }
nav.main a[aria-current="page"], nav.main a:hover { background: var(--accent-soft); color: var(--accent); }
nav.main form { margin: 0; }
.wrap { max-width: 1040px; margin: 0 auto; padding: 0 1.25rem; }
main.wrap { padding-top: 1.75rem; padding-bottom: 3rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .35rem; }
h2 { font-size: 1.3rem; margin: 0 0 .75rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
p.lead { color: var(--muted); margin: 0 0 1.5rem; font-size: 1.05rem; }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
section.card, div.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.35rem 1.4rem; margin-bottom: 1.25rem; }
.grid { display: grid; gap: 1rem; }
.grid.stats { grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); margin-bottom: 1.25rem; }
.grid.two { grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); }
.grid.three { grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.1rem; }
.stat .label { color: var(--muted); font-size: .85rem; }
.stat .value { font-size: 1.45rem; font-weight: 650; margin: .15rem 0; }
.stat .value.compact { font-size: 1.15rem; }
.stat .note { color: var(--muted); font-size: .85rem; }
meter { width: 100%; height: .6rem; }
.subnav { display: flex; gap: .5rem; flex-wrap: wrap; margin: 0 0 1.25rem; }
.subnav a { text-decoration: none; font-size: .9rem; padding: .3rem .75rem; border: 1px solid var(--line); border-radius: 999px; background: var(--card); color: var(--text); }
.subnav a:hover { border-color: var(--accent); color: var(--accent); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .6rem .65rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tbody tr:last-child td { border-bottom: 0; }
.table-scroll { overflow-x: auto; }
table.compare th[scope="row"] { text-transform: none; letter-spacing: 0; font-size: .95rem; color: var(--text); width: 22%; }
table.compare td { width: 39%; }
table.compare thead th { font-size: .95rem; text-transform: none; letter-spacing: 0; color: var(--text); }
.pill { display: inline-block; font-size: .78rem; font-weight: 600; padding: .1rem .55rem; border-radius: 999px; background: var(--accent-soft); color: var(--accent); }
.pill.ok { background: var(--ok-soft); color: var(--ok); }
.pill.warn { background: var(--warn-soft); color: var(--warn); }
.pill.bad { background: var(--bad-soft); color: var(--bad); }
.callout { border-left: 4px solid var(--accent); background: var(--accent-soft); padding: .85rem 1rem; border-radius: 0 10px 10px 0; margin: 1rem 0; }
.callout.warn { border-color: var(--warn); background: var(--warn-soft); }
.callout.bad { border-color: var(--bad); background: var(--bad-soft); }
.callout.ok { border-color: var(--ok); background: var(--ok-soft); }
.callout p { margin: .25rem 0; }
ol.steps { padding-left: 1.25rem; margin: .5rem 0; }
ol.steps li { margin: .4rem 0; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: .45rem 1rem; margin: .5rem 0 0; }
dl.settings dt { color: var(--muted); font-size: .9rem; }
dl.settings dd { margin: 0; font-family: var(--mono); font-size: .92rem; overflow-wrap: anywhere; display: flex; gap: .4rem; align-items: center; }
.setting-card { border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
.setting-card h3 { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
button, .button { font: inherit; border: 1px solid var(--accent); background: var(--accent); color: #fff; padding: .55rem 1rem; border-radius: 9px; cursor: pointer; text-decoration: none; display: inline-block; line-height: 1.3; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.link { background: none; border: 0; color: var(--muted); padding: .4rem .7rem; }
button.link:hover { color: var(--accent); }
button.copy { white-space: nowrap; flex: none; font-size: .75rem; padding: .1rem .45rem; background: transparent; color: var(--accent); border-color: var(--line); }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; align-items: center; margin-top: .75rem; }
form.stack { display: grid; gap: .85rem; max-width: 420px; }
label { display: grid; gap: .3rem; font-weight: 550; font-size: .95rem; }
input[type="email"], input[type="password"], input[type="text"] { font: inherit; padding: .6rem .75rem; border: 1px solid var(--line); border-radius: 9px; background: var(--bg); color: var(--text); width: 100%; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.login-box { max-width: 430px; margin: 3rem auto; }
.qr { display: flex; gap: 1.25rem; align-items: center; flex-wrap: wrap; }
.qr svg { width: 180px; height: 180px; background: #fff; border-radius: 10px; padding: 6px; flex: none; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis, svg.chart .bar-label { fill: var(--muted); font: 12px var(--font); }
svg.chart .bar-label { fill: var(--text); font-size: 13px; }
svg.chart .area { fill: var(--accent); fill-opacity: .14; }
svg.chart .line { fill: none; stroke: var(--accent); stroke-width: 2.5; stroke-linejoin: round; }
svg.chart .dot { fill: var(--accent); }
svg.chart .quota { stroke: var(--bad); stroke-dasharray: 6 5; stroke-width: 1.5; }
svg.chart .quota-label { fill: var(--bad); font: 12px var(--font); }
svg.chart .track { fill: var(--line); }
svg.chart .bar.low, svg.chart .bar.none { fill: var(--accent); }
svg.chart .bar.mid { fill: var(--warn); }
svg.chart .bar.high { fill: var(--bad); }
footer.bottom { color: var(--muted); font-size: .85rem; padding: 2rem 0; text-align: center; }
.flash { margin-bottom: 1.25rem; }
code { font-family: var(--mono); font-size: .92em; background: var(--accent-soft); padding: .05rem .3rem; border-radius: 5px; }
@media (max-width: 640px) {
  body { font-size: 15px; }
  h1 { font-size: 1.45rem; }
  section.card, div.card { padding: 1rem; }
  table.compare, table.compare thead, table.compare tbody, table.compare tr, table.compare th, table.compare td { display: block; width: auto; }
  table.compare thead { display: none; }
  table.compare tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.compare td { border: 0; padding: .25rem 0; }
  table.compare td::before { content: attr(data-label); display: block; font-size: .75rem; font-weight: 700; color: var(--muted); text-transform: uppercase; }
  table.compare th[scope="row"] { border: 0; padding: .25rem 0; width: auto; }
  dl.settings { grid-template-columns: 1fr; gap: .1rem; }
  dl.settings dd { margin-bottom: .45rem; }
  nav.main { margin-left: 0; }
}
`;

/** Progressive enhancement only: copy buttons. Every page works without it. */
export const APP_JS = `
document.querySelectorAll('[data-copy]').forEach(function (el) {
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy';
  button.textContent = 'Copy';
  button.setAttribute('aria-label', 'Copy ' + el.getAttribute('data-copy'));
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(el.textContent.trim()).then(function () {
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = 'Copy'; }, 1500);
    });
  });
  el.after(button);
});
`;
