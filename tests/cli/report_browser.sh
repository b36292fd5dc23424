#!/usr/bin/env bash
# The report page in a real browser: short DCGAN and Projected GAN runs with a metric at every tick write
# report.html as it trains; headless Chromium opens it from file://, and the page's own account of
# what it drew (window.ganrigReport, mirrored in <pre id="report-check">) must show no error and the
# expected series and points. A screenshot is kept (report-browser/report.png). Then a comparison
# page of two runs. Skips, saying so, where Chromium is not installed.
# Usage: report_browser.sh GANRIG SOURCE_DIR PYTHON
set -uo pipefail
ganrig=$1 src=$2 python=$3
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "SKIP: no Chromium (tools/setup.sh --tests installs Debian's chromium)"
  exit 77
fi
rm -rf report-browser && mkdir -p report-browser
cd report-browser
experiment=$src/tests/fixtures/train/tiny_fmnist_eval.toml
for block in conv dsc; do
  "$ganrig" train "$experiment" --set generator.block=$block --set eval.interval_kimg=0.016 \
    --set exec.sample_format=png --set train.sample_kimg=0.016 --run-root runs >/dev/null || exit 1
done
# A generator that cannot learn (learning rate 0): its page must open with the flat-samples warning.
"$ganrig" train "$experiment" --set optim.generator.lr=0 --set 'eval.metrics=[]' --run-root flat-runs >/dev/null || exit 1
flat_run=$(ls -d flat-runs/tiny_fmnist_eval/00000-*)
# Projected GAN (FastGAN-lite G, projected D on the MobileNetV2 projector) with KID at every tick.
"$ganrig" train "$src/experiments/projected_gan/pg_fmnist64.toml" --set dataset.limit=64 --set generator.ngf=8 \
  --set train.batch=8 --set train.total_kimg=0.032 --set train.tick_kimg=0.016 --set train.snapshot_kimg=0.016 \
  --set train.sample_kimg=0.016 --set 'eval.metrics=["kid16_incv3nsfw"]' --set eval.max_real=16 \
  --set eval.interval_kimg=0.016 --set exec.threads=2 --run-root runs >/dev/null || exit 1
pg_run=$(ls -d runs/pg_fmnist64/00000-*)
run=$(ls -d runs/tiny_fmnist_eval/00000-*)
[ -f "$run/report.html" ] && echo "training wrote $run/report.html"
open_page() {  # PAGE -> the DOM after the scripts ran; console messages and errors on stderr
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --window-size=1280,2200 "$@" 2>"$(basename "$1").console"
}
open_page "file://$PWD/$run/report.html" --dump-dom > run.dom || exit 1
open_page "file://$PWD/$run/report.html" --screenshot="$PWD/report.png" >/dev/null
cp "$pg_run/report.html" pg.html && open_page "file://$PWD/pg.html" --dump-dom > pg.dom || exit 1
"$ganrig" report runs/tiny_fmnist_eval/00000-* runs/tiny_fmnist_eval/00001-* --out compare.html || exit 1
open_page "file://$PWD/compare.html" --dump-dom > compare.dom || exit 1
cp "$flat_run/report.html" flat.html && open_page "file://$PWD/flat.html" --dump-dom > flat.dom || exit 1
"$python" - <<'PY'
import html, json, re, sys
def drawn(dom_file, console_file):
    dom = open(dom_file).read()
    check = re.search(r'<pre id="report-check"[^>]*>(.*?)</pre>', dom, re.S)
    report = json.loads(html.unescape(check.group(1))) if check else {'charts': [], 'errors': ['no report-check']}
    console = [l for l in open(console_file) if 'CONSOLE' in l and ('Uncaught' in l or 'Error' in l)]
    return {c['title']: (c['series'], c['points']) for c in report['charts']}, report['errors'] + console
def warnings(dom_file):
    dom = open(dom_file).read()
    check = re.search(r'<pre id="report-check"[^>]*>(.*?)</pre>', dom, re.S)
    shown = re.findall(r'<p class="warning">(.*?)</p>', dom, re.S)
    return (json.loads(html.unescape(check.group(1))).get('warnings', []) if check else []), shown
ok = True
for name, dom, console, expect in [
        ('run', 'run.dom', 'report.html.console',
         {'Losses': (2, [2, 2]), 'kid16_incv3nsfw': (4, [2, 1, 2, 2]), 'sec/kimg': (1, [2])}),
        ('projected gan', 'pg.dom', 'pg.html.console',
         {'Losses': (2, [2, 2]), 'kid16_incv3nsfw': (4, [2, 1, 2, 2])}),
        ('comparison', 'compare.dom', 'compare.html.console',
         {'Losses': (4, [2, 2, 2, 2]), 'kid16_incv3nsfw': (8, [2, 1, 2, 2, 2, 1, 2, 2])})]:
    charts, errors = drawn(dom, console)
    print(f'{name} page: {len(charts)} charts, errors: {errors or "none"}')
    for title, want in expect.items():
        got = charts.get(title)
        got = (got[0], got[1]) if got else None
        status = 'ok' if got == want else 'WRONG'
        ok &= status == 'ok' and not errors
        print(f'  {title}: series, points {got} (expected {want}) {status}')
listed, shown = warnings('flat.dom')
flat_ok = len(listed) == 1 and len(shown) == 1 and 'generated sample grids after 0 kimg were flat' in shown[0]
ok &= flat_ok
print(f'flat generator page: {len(shown)} warning shown: {html.unescape(shown[0]) if shown else "none"} '
      f'{"ok" if flat_ok else "WRONG"}')
print('browser test: OK' if ok else 'browser test: FAILED')
PY
ls -la report.png | awk '{print "screenshot:", $NF, $5, "bytes"}'
