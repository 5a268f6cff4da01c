/* The lesson probe (tests/test_notebooks.py, browser_probe): what a teacher meets in a deck
   at the frame's size, slide by slide. Reports {ready, total, reached, width, height,
   slides: [{slide, title, findings, text_px}]}. */
var W = window.innerWidth, H = window.innerHeight;
var VERDICT = /\b(supported|inconclusive|not testable)\b/i;
var REF = new RegExp('\\b(figure|table|map|chart|plot|histogram|heatmap|curve|parameters|cell|' +
                     'code|record|line)s? (above|below)\\b|\\b(see|printed|shown) (above|below)\\b',
                     'gi');

function visible(e) {
  var r = e.getBoundingClientRect(), cs = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
}
function words(e, n) { return (e.innerText || '').trim().replace(/\s+/g, ' ').slice(0, n); }

function measure(s, idx) {
  var f = [], sr = s.getBoundingClientRect();
  var text = (s.innerText || '').trim();
  // code and execution prompts
  s.querySelectorAll('.jp-InputArea .jp-Editor, .jp-InputArea .highlight, .jp-CodeMirrorEditor, ' +
                     '.cx-code').forEach(function (e) {
    if (visible(e) && e.innerText.trim()) { f.push('code shown: ' + words(e, 60)); }
  });
  s.querySelectorAll('.jp-InputPrompt, .jp-OutputPrompt').forEach(function (e) {
    if (visible(e) && /\[\d*\]/.test(e.innerText)) { f.push('prompt shown: ' + words(e, 20)); }
  });
  // lines cut at the right: past the slide's edge, or hidden or scrolled inside a box
  s.querySelectorAll('*').forEach(function (e) {
    if (!visible(e)) { return; }
    var r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    if (r.right > Math.min(sr.right, W) + 2 && e.children.length === 0) {
      f.push('cut at the right: <' + e.tagName.toLowerCase() + '> ' +
             (words(e, 50) || e.getAttribute('alt') || '') + ' ends at ' + Math.round(r.right));
    }
    if (['auto', 'scroll', 'hidden'].indexOf(cs.overflowX) >= 0 && e !== s &&
        e.scrollWidth > e.clientWidth + 2) {
      f.push('cut at the right (scrolls): <' + e.tagName.toLowerCase() + '> ' + words(e, 50));
    }
  });
  // verdicts as monospace print output, and monospace output wrapped mid-line
  s.querySelectorAll('pre').forEach(function (e) {
    if (!visible(e) || e.closest('.jp-InputArea')) { return; }
    var cs = getComputedStyle(e), mono = /mono/i.test(cs.fontFamily);
    if (mono && VERDICT.test(e.innerText)) { f.push('monospace verdict: ' + words(e, 60)); }
    var lines = e.innerText.replace(/\n$/, '').split('\n').length;
    var lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
    if (mono && e.clientHeight > (lines + 0.5) * lh) { f.push('wrapped monospace: ' + words(e, 60)); }
  });
  // taller than the screen
  if (s.scrollHeight > s.clientHeight + 2) {
    f.push('taller than the screen: ' + s.scrollHeight + ' px of content in ' + s.clientHeight);
  } else if (sr.bottom > H + 2 || sr.top < -2) {
    f.push('taller than the screen: the slide spans ' + Math.round(sr.top) + ' to ' +
           Math.round(sr.bottom) + ' px');
  }
  // figure text on screen: the smallest text the kernel measured, times the figure's scale
  var smallest = null;
  s.querySelectorAll('img').forEach(function (img) {
    var px = parseFloat(img.getAttribute('data-text-px'));
    var nat = img.naturalWidth || parseFloat(img.getAttribute('width'));
    if (!px || !nat || !visible(img)) { return; }
    var shown = px * img.getBoundingClientRect().width / nat;
    smallest = smallest === null ? shown : Math.min(smallest, shown);
    if (shown < 18 - 0.05) { f.push('figure text ' + shown.toFixed(1) + ' px: ' + img.alt.slice(0, 60)); }
  });
  // a slide that ends on a lead-in, a slide with next to nothing on it
  var blocks = Array.prototype.filter.call(s.children, visible);
  var last = blocks.length ? blocks[blocks.length - 1].innerText.trim() : '';
  if (/:$/.test(last)) { f.push('dangling: ends "' + last.slice(-50) + '"'); }
  var kids = blocks.filter(function (c) { return !c.classList.contains('cx-continued'); });
  if (!kids.length) {
    f.push('near-empty: nothing on it');
  } else if (!s.querySelector('img, table')) {
    var used = kids[kids.length - 1].getBoundingClientRect().bottom -
               kids[0].getBoundingClientRect().top;
    if (used < 0.15 * s.clientHeight) {
      f.push('near-empty: ' + Math.round(used) + ' px used: "' + words(s, 80) + '"');
    }
  }
  // sentences that point at what is not on the slide (the registry's rules and verdicts
  // speak of their own lists)
  var prose = s.cloneNode(true);
  prose.querySelectorAll('.cx-rules, .cx-verdict, .cx-claim').forEach(function (e) { e.remove(); });
  var proseText = prose.textContent.replace(/\s+/g, ' ');
  var m;
  REF.lastIndex = 0;
  while ((m = REF.exec(proseText))) {
    var what = m[1] ? m[1].toLowerCase() : '';
    var ok = false;
    if (/figure|map|chart|plot|histogram|heatmap|curve/.test(what)) { ok = !!s.querySelector('img'); }
    if (what === 'table') { ok = !!s.querySelector('table'); }
    if (!ok) {
      f.push('refers to what is not on the slide: "' +
             proseText.substr(Math.max(0, m.index - 30), 60 + m[0].length) + '"');
    }
  }
  return {slide: idx, title: words(s.querySelector('h1, h2, h3, .cx-continued') || s, 60),
          findings: f, text_px: smallest};
}

function run() {
  var still = document.createElement('style');
  still.textContent = '.reveal .slides, .reveal .slides * { transition: none !important; ' +
                      'animation: none !important; }';
  document.head.appendChild(still);
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  var all = Array.prototype.filter.call(document.querySelectorAll('.reveal .slides section'),
                                        function (s) { return !s.querySelector('section'); });
  var total = Reveal.getTotalSlides();
  // a clicker's "next" is the right arrow: press it from the first slide until it stops
  Reveal.slide(0, 0);
  var seen = {}, order = [];
  for (var k = 0; k < total + 5; k++) {
    var cur = Reveal.getCurrentSlide(), i = all.indexOf(cur);
    if (!seen[i]) { seen[i] = true; order.push(i); }
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', code: 'ArrowRight',
                                                         keyCode: 39, which: 39, bubbles: true}));
    if (Reveal.getCurrentSlide() === cur) { break; }
  }
  var slides = [];
  all.forEach(function (s, i) {
    var ix = Reveal.getIndices(s);
    Reveal.slide(ix.h, ix.v);
    var row = measure(s, i);
    if (!seen[i]) { row.findings.push('the right arrow does not reach it'); }
    slides.push(row);
  });
  report({ready: Reveal.isReady(), total: total, reached: order.length, width: W, height: H,
          slides: slides});
}

var tries = 0;
(function wait() {
  if (typeof Reveal !== 'undefined' && Reveal.isReady && Reveal.isReady()) { run(); }
  else if (tries++ < 50) { setTimeout(wait, 100); }
  else { report({ready: false}); }
})();
