/* cxlib lesson decks: lay a lesson's blocks out on 1280 × 720 slides, then start reveal.js.

   The blocks come from cxlib.app.decks, one per element of the lesson, each with a role (cell
   tag "cx-<role>"; see that module). The layout measures each block as the browser sets it:
   - a title or section heading opens a slide; a heading, a lead-in (a sentence ending with
     ":") and a paragraph followed by a result stay on the slide of what follows them; a
     caption, a sentence about the result before it (tag cx-keep) and a data set's loading
     report stay on the slide of what they follow;
   - blocks fill a slide in order; what does not fit goes on to the next slide, under its
     section's title marked "(continued)";
   - a figure is scaled down to fit only as far as its smallest text stays at MIN_TEXT_PX
     (the kernel measured that text: data-text-px), and set at least that large;
   - a table or list too tall for a slide of its own continues on the next slide; a table
     too wide gets smaller type.
   The slides form one flat sequence: the right arrow, a clicker's "next", space and
   PageDown all go to the next slide. Nothing is fetched from the network. */
(function () {
  'use strict';
  var W = 1280, H = 720, MIN_TEXT_PX = 18, SIDE = 44, MIN_TYPE_PX = 15;
  var CONTENT_W = W - 2 * SIDE;
  var slides = document.querySelector('.reveal .slides');
  var outer = slides.querySelector(':scope > section');
  if (!outer) { return; }
  var holder = outer.querySelector(':scope > section') || outer;
  var blocks = Array.prototype.slice.call(holder.children);
  slides.removeChild(outer);

  function roleOf(el) {
    var tagged = el.matches('[class*="celltag_cx-"]') ? el : el.querySelector('[class*="celltag_cx-"]');
    var m = tagged && /celltag_cx-([a-z]+)/.exec(tagged.className);
    return m ? m[1] : 'prose';
  }
  blocks.forEach(function (b) { b.classList.add('cx-block', 'cx-' + roleOf(b)); });

  var RESULTS = ['figure', 'table', 'verdict', 'rules', 'note', 'listing', 'data', 'claim'];
  function role(b) { return /\bcx-([a-z]+)\b/.exec(b.className.replace('cx-block', ''))[1]; }
  function opensSlide(b) { return role(b) === 'title' || role(b) === 'section'; }
  /* headings, lead-ins and code never end a slide; a paragraph before a result stays with it
     when both fit on one slide */
  function bindsNext(b) { return ['title', 'section', 'heading', 'leadin', 'code'].indexOf(role(b)) >= 0; }
  /* a figure's caption, a sentence about the result just shown, a data set's loading report */
  function bindsPrevious(b) {
    return ['caption', 'data'].indexOf(role(b)) >= 0 || b.classList.contains('celltag_cx-keep');
  }
  function keepsWithNext(b, next) {
    return bindsNext(b) || (role(b) === 'prose' && RESULTS.indexOf(role(next)) >= 0);
  }

  var current = null, sectionTitle = '';
  function open(continued) {
    var s = document.createElement('section');
    s.className = 'cx-slide';
    s.style.display = 'block';
    s.style.height = 'auto';
    slides.appendChild(s);
    if (continued && sectionTitle) {
      var h = document.createElement('p');
      h.className = 'cx-continued';
      h.textContent = sectionTitle;
      s.appendChild(h);
    }
    current = s;
  }
  function isEmpty(s, but) {
    var except = [].concat(but || []);
    return !Array.prototype.some.call(s.children, function (c) {
      return except.indexOf(c) < 0 && !c.classList.contains('cx-continued');
    });
  }
  var LIMIT = H - 4;  // 4 px spare for rounding
  function fits(s) { return s.offsetHeight <= LIMIT; }

  function natural(img) {
    return [parseFloat(img.getAttribute('width')) || img.naturalWidth || 1,
            parseFloat(img.getAttribute('height')) || img.naturalHeight || 1];
  }
  function leastScale(img) {
    var px = parseFloat(img.getAttribute('data-text-px'));
    return px ? MIN_TEXT_PX / px : 0.75;
  }
  function scaleTo(img, k) {
    var n = natural(img);
    k = Math.min(k, CONTENT_W / n[0]);
    img.style.width = (n[0] * k).toFixed(1) + 'px';
    img.style.height = 'auto';
    img.style.maxWidth = 'none';
    img.setAttribute('data-scale', k.toFixed(3));
  }
  function reset(b) {
    b.querySelectorAll('img').forEach(function (img) { scaleTo(img, Math.max(1, leastScale(img))); });
  }
  /* shrink the figures of *unit* until slide *s* fits, none below its least scale */
  function shrink(s, unit) {
    var imgs = [];
    unit.forEach(function (b) { imgs = imgs.concat(Array.prototype.slice.call(b.querySelectorAll('img'))); });
    if (!imgs.length) { return false; }
    var over = s.offsetHeight - LIMIT, room = 0;
    var spare = imgs.map(function (img) {
      var least = natural(img)[1] * Math.min(leastScale(img), CONTENT_W / natural(img)[0]);
      var r = Math.max(0, img.offsetHeight - least);
      room += r;
      return r;
    });
    if (room < over) { return false; }
    imgs.forEach(function (img, i) {
      var h = img.offsetHeight - over * spare[i] / room;
      scaleTo(img, h / natural(img)[1]);
    });
    return fits(s);
  }
  /* a table or listing wider than the slide: smaller type, down to MIN_TYPE_PX */
  function fitWidth(b) {
    b.querySelectorAll('table, pre').forEach(function (e) {
      var size = parseFloat(getComputedStyle(e).fontSize);
      while (Math.max(e.scrollWidth, e.offsetWidth) > CONTENT_W + 1 && size > MIN_TYPE_PX) {
        size -= 1;
        e.style.fontSize = size + 'px';
      }
    });
  }
  /* move the last children of *kept* to the front of *moved* until the slide fits */
  function moveTail(kept, moved) {
    while (!fits(current) && kept.children.length > 1) {
      moved.insertBefore(kept.lastElementChild, moved.firstChild);
    }
  }
  /* split a block too tall for the slide it is on: the last rows of its table, or its last
     paragraphs and list items, go into a new block (returned) that continues on the next
     slide; null when there is nothing to move */
  function split(b) {
    var rest = b.cloneNode(true), moved;
    var table = b.querySelector('table');
    if (table && table.tBodies.length && table.tBodies[0].rows.length > 1) {
      moved = rest.querySelector('table').tBodies[0];
      moved.innerHTML = '';
      moveTail(table.tBodies[0], moved);
    } else if (!b.querySelector('.jp-RenderedMarkdown') && b.querySelector('pre')) {
      var pre = b.querySelector('pre'), lines = pre.textContent.replace(/\n$/, '').split('\n');
      var tail = [];
      while (!fits(current) && lines.length > 1) {
        tail.unshift(lines.pop());
        pre.textContent = lines.join('\n');
      }
      if (!tail.length) { return null; }
      rest.querySelector('pre').textContent = tail.join('\n');
      rest.classList.add('cx-rest');
      return rest;
    } else {
      var root = b.querySelector('.jp-RenderedMarkdown');
      if (!root) { return null; }
      moved = rest.querySelector('.jp-RenderedMarkdown');
      moved.innerHTML = '';
      moveTail(root, moved);
      // a list at the cut is split between its items, so that the room left is used
      var last = fits(current) ? moved.firstElementChild : root.lastElementChild;
      if (last && /^(UL|OL)$/.test(last.tagName) && last.children.length > 1) {
        if (last.parentNode === moved) { root.appendChild(last); }
        var list = last.cloneNode(false);
        list.setAttribute('data-cx-cut', '1');
        moved.insertBefore(list, moved.firstChild);
        moveTail(last, list);
        if (!fits(current)) {  // not even one item fits: the whole list moves on
          while (list.firstChild) { last.appendChild(list.firstChild); }
          moved.replaceChild(last, list);
        } else if (!list.children.length) {
          moved.removeChild(list);
        } else if (list.tagName === 'OL') {
          list.setAttribute('start', parseInt(last.getAttribute('start') || '1', 10) + last.children.length);
        }
      }
    }
    if (!moved.children.length) { return null; }
    rest.classList.add('cx-rest');
    return rest;
  }
  /* undo split(b): the moved rows, items and paragraphs go back */
  function unsplit(b, rest) {
    var table = b.querySelector('table');
    if (table && rest.querySelector('table')) {
      var rows = rest.querySelector('table').tBodies[0];
      while (rows.firstChild) { table.tBodies[0].appendChild(rows.firstChild); }
      return;
    }
    var root = b.querySelector('.jp-RenderedMarkdown');
    if (!root) {  // a listing cut between lines
      b.querySelector('pre').textContent += '\n' + rest.querySelector('pre').textContent;
      return;
    }
    var moved = rest.querySelector('.jp-RenderedMarkdown');
    var first = moved.firstElementChild, last = root.lastElementChild;
    if (first && first.getAttribute('data-cx-cut') && last) {  // a list cut between items
      while (first.firstChild) { last.appendChild(first.firstChild); }
      moved.removeChild(first);
    }
    while (moved.firstChild) { root.appendChild(moved.firstChild); }
  }
  /* the last resort for a block that fits nowhere: smaller, as a whole */
  function squeeze(b) {
    var z = 1;
    while (!fits(current) && z > 0.5) {
      z -= 0.05;
      b.style.zoom = z.toFixed(2);
    }
    b.setAttribute('data-squeezed', z.toFixed(2));
  }

  function placeOne(b) {
    var free = LIMIT - current.offsetHeight;
    current.appendChild(b);
    fitWidth(b);
    if (fits(current) || shrink(current, [b])) { return; }
    reset(b);
    if (!isEmpty(current, b) && free > 0.6 * H) {  // a slide that would stay near-empty:
      var here = split(b);                          // b starts here and continues
      if (here && fits(current)) {
        open(true);
        placeOne(here);
        return;
      }
      if (here) { unsplit(b, here); }
    }
    if (!isEmpty(current, b)) {
      current.removeChild(b);
      open(true);
      current.appendChild(b);
      if (fits(current) || shrink(current, [b])) { return; }
      reset(b);
    }
    var rest = split(b);
    if (rest) {
      open(true);
      placeOne(rest);
      return;
    }
    if (!shrink(current, [b])) { squeeze(b); }
  }
  /* a block that must share the slide of the one before it (a lead-in's result, a figure's
     caption): both move on when less than a third of the slide is left, what does not fit
     continues on the next slide, and a block that cannot be split takes the one before it
     along to a slide of their own */
  /* a little smaller type for b, down to 80%, if that makes the slide fit */
  function condense(b) {
    for (var z = 0.95; z >= 0.8 && !fits(current); z -= 0.05) { b.style.zoom = z.toFixed(2); }
    if (fits(current)) { return true; }
    b.style.removeProperty('zoom');
    return false;
  }
  function placeGlued(b, before) {
    if (before.parentNode !== current) {  // what it follows was split: it goes where it can
      placeOne(b);
      return;
    }
    var group = chainTo(before);
    if (LIMIT - current.offsetHeight < 0.3 * H && !isEmpty(current, group)) {
      open(true);  // too little room left to start b here: b and what it belongs with move on
      group.forEach(function (g) { current.appendChild(g); });
    }
    current.appendChild(b);
    fitWidth(b);
    if (fits(current) || shrink(current, [before, b])) { return; }
    reset(b);
    reset(before);
    if (role(b) !== 'figure' && condense(b)) { return; }
    var rest = split(b);
    if (rest) {
      open(true);
      placeOne(rest);
      return;
    }
    current.removeChild(b);
    var group = chainTo(before);
    if (isEmpty(current, group)) {  // together they fill more than a slide: b goes on alone
      open(true);
      placeOne(b);
      return;
    }
    open(true);  // what b belongs with moves on with it
    group.forEach(function (g) { current.appendChild(g); });
    current.appendChild(b);
    if (fits(current) || shrink(current, group.concat([b]))) { return; }
    current.removeChild(b);
    open(true);
    placeOne(b);
  }
  /* *b* and the blocks before it on its slide that must stay with it (a lead-in, a heading,
     the result a caption speaks of), first to last */
  function chainTo(b) {
    var group = [b];
    for (var prev = b.previousElementSibling; prev && prev.classList.contains('cx-block') &&
         (bindsNext(prev) || bindsPrevious(group[0])); prev = prev.previousElementSibling) {
      group.unshift(prev);
    }
    return group;
  }
  function place(unit) {
    var tries = isEmpty(current) ? 1 : 2;
    for (var t = 0; t < tries; t++) {
      if (t === 1) { open(true); }
      unit.forEach(function (b) { current.appendChild(b); fitWidth(b); });
      if (fits(current) || shrink(current, unit)) { return; }
      unit.forEach(function (b) { reset(b); current.removeChild(b); });
    }
    unit.forEach(function (b, j) {  // too big for a slide of its own: block by block
      if (j > 0 && (bindsNext(unit[j - 1]) || bindsPrevious(b))) { placeGlued(b, unit[j - 1]); }
      else { placeOne(b); }
    });
  }

  blocks.forEach(reset);
  open(false);
  for (var i = 0; i < blocks.length;) {
    var unit = [blocks[i]];
    while (i + unit.length < blocks.length && !opensSlide(blocks[i + unit.length])
           && (keepsWithNext(unit[unit.length - 1], blocks[i + unit.length])
               || bindsPrevious(blocks[i + unit.length]))) {
      unit.push(blocks[i + unit.length]);
    }
    if (opensSlide(unit[0])) {
      sectionTitle = unit[0].innerText.replace(/¶/g, '').trim();
      if (!isEmpty(current)) { open(false); }
    }
    place(unit);
    i += unit.length;
  }
  Array.prototype.forEach.call(slides.children, function (s) {
    s.style.removeProperty('display');
    s.style.removeProperty('height');
  });

  Reveal.initialize({
    width: W, height: H, margin: 0, minScale: 0.2, maxScale: 3, center: false,
    controls: true, controlsTutorial: false, progress: true, hash: true,
    slideNumber: 'c/t', navigationMode: 'linear', transition: 'slide'
  });
})();
