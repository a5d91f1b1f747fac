/* The explorer: views drawn from the release's data embedded in this file. No request is
   made: the data, plotly.js and this script are all inline. The view and its filters live
   in the address's hash (#/measure/<id>, #/breakdowns/<id>/ward?period=2025-26 ...), so a
   view can be bookmarked or e-mailed. Every chart is a static image with a one-sentence
   summary and the same figures in a table beside it; every table has a CSV download made
   here from the rows it shows. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("release-data").textContent);
  var R = D.release;
  var M = {};
  D.measures.forEach(function (m) { M[m.id] = m; });
  var main = document.getElementById("main");
  var shown = null;   // the hash last drawn (a filter's own update is not drawn again)
  var uid = 0;

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") n.textContent = v;
      else if (k === "on") Object.keys(v).forEach(function (e) { n.addEventListener(e, v[e]); });
      else n.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return n;
  }
  function dash(v) { return v === null || v === undefined || v === "" ? "–" : String(v); }
  function route() {
    var h = location.hash.replace(/^#\/?/, "");
    var q = h.indexOf("?");
    var path = q < 0 ? h : h.slice(0, q);
    return { parts: path ? path.split("/").map(decodeURIComponent) : [],
             params: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
  }
  function hashOf(parts, params) {
    var qs = params ? params.toString() : "";
    return "#/" + parts.map(encodeURIComponent).join("/") + (qs ? "?" + qs : "");
  }
  function remember(parts, params) {
    // A filter changed: the address says so (a link to it opens the same view), without
    // drawing the whole view again or adding a step to the browser's history.
    var h = hashOf(parts, params);
    shown = h;
    history.replaceState(null, "", h);
  }
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function download(name, columns, rows) {
    var text = [columns].concat(rows).map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    var url = URL.createObjectURL(new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" }));
    var a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function slug(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }
  function cellText(c) { return c !== null && typeof c === "object" ? c.text : dash(c); }

  // A table in its own scrolling region (reflow at 320 px), with a CSV of exactly its rows.
  // A cell is text, or {text, href} for a link, or {text, cls} for a styled cell.
  function table(caption, columns, rows, fileStem, opts) {
    opts = opts || {};
    var id = "t" + (++uid);
    var body = el("tbody", {}, rows.map(function (r, i) {
      return el("tr", { class: opts.rowClass ? opts.rowClass(i) : null }, r.map(function (c, j) {
        var cell = el(j === 0 && opts.rowHeader !== false ? "th" : "td",
                      { scope: j === 0 && opts.rowHeader !== false ? "row" : null,
                        class: (opts.numeric || []).indexOf(j) >= 0 ? "num" : null });
        if (c !== null && typeof c === "object" && c.href) cell.appendChild(el("a", { href: c.href, text: c.text }));
        else if (c !== null && typeof c === "object") cell.appendChild(el("span", { class: c.cls || null, text: c.text }));
        else if (c === "c") cell.appendChild(el("span", { class: "c", text: "c" }, [el("span", { class: "vh", text: " (suppressed)" })]));
        else cell.textContent = dash(c);
        return cell;
      }));
    }));
    var t = el("table", { id: id, "data-csv": fileStem }, [
      el("caption", { id: id + "-caption", text: caption }),
      el("thead", {}, [el("tr", {}, columns.map(function (c, j) {
        return el("th", { scope: "col", class: (opts.numeric || []).indexOf(j) >= 0 ? "num" : null, text: c });
      }))]), body]);
    var name = fileStem + "_" + R.period + ".csv";
    return el("div", { class: "table-block" }, [
      el("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": id + "-caption" }, [t]),
      el("button", { type: "button", class: "csv", "data-table": id, "aria-describedby": id + "-caption",
                     on: { click: function () { download(name, columns, rows.map(function (r) { return r.map(cellText); })); } } },
         [opts.chart ? "Download the chart's figures (CSV)" : "Download this table (CSV)"])]);
  }

  // A static chart (no pointer or keyboard interaction to miss) with its summary sentence.
  function chart(spec, summary) {
    var id = "c" + (++uid);
    var box = el("div", { class: "chart", id: id, role: "img", "aria-label": summary });
    // On a narrow screen the chart keeps its width and scrolls inside its own region,
    // which the keyboard can reach (and scroll) like the tables'.
    var title = spec.layout && spec.layout.title ? String(spec.layout.title.text || spec.layout.title).replace(/<br>/g, " ") : "Chart";
    var fig = el("figure", {}, [el("div", { class: "chart-wrap", role: "region", tabindex: "0", "aria-label": "Chart: " + title }, [box]),
                                el("figcaption", {}, [el("p", { class: "summary", text: summary })])]);
    var layout = Object.assign({}, spec.layout, { autosize: true });
    delete layout.width;
    setTimeout(function () {
      if (window.Plotly) Plotly.newPlot(box, spec.data, layout, { staticPlot: true, displayModeBar: false, responsive: true });
    }, 0);
    return fig;
  }

  function select(label, name, options, value, onChange) {
    var id = "f-" + name;
    var s = el("select", { id: id, name: name, on: { change: function () { onChange(s.value); } } },
      options.map(function (o) {
        return el("option", { value: o[0], selected: String(o[0]) === String(value) ? true : null, text: o[1] });
      }));
    return el("div", {}, [el("label", { for: id, text: label }), s]);
  }
  function checkbox(label, name, checked, onChange) {
    var id = "f-" + name;
    var i = el("input", { type: "checkbox", id: id, name: name, checked: checked ? true : null,
                          on: { change: function () { onChange(i.checked); } } });
    return el("div", { class: "check" }, [i, el("label", { for: id, text: label })]);
  }
  function heading(text) { return el("h1", { tabindex: "-1", text: text }); }
  function rag(m) { return m.rag ? { text: m.rag, cls: "rag rag-" + slug(m.rag) } : "–"; }
  function targetWords(m) { return m.off_target === null ? "–" : (m.off_target ? "Off target" : "On target"); }
  function distinct(values) {
    var seen = {};
    return values.filter(function (v) { if (v === null || v === undefined || seen[v]) return false; seen[v] = 1; return true; }).sort();
  }

  // ---- the scorecard ---------------------------------------------------------------------
  var SORTS = [["order", "Catalogue order"], ["title", "Measure"], ["indicator", "Indicator"], ["trend", "Trend"],
               ["rag", "RAG"], ["off_target", "Off target first"], ["band", "Quartile band"]];
  function scorecard(p) {
    var f = { headline: p.get("headline") === "1", off: p.get("off") === "1", trend: p.get("trend") || "",
              rag: p.get("rag") || "", indicator: p.get("indicator") || "", sort: p.get("sort") || "order",
              dir: p.get("dir") === "desc" ? "desc" : "asc" };
    var out = el("div", {}, [heading("Scorecard: every measure, " + R.period)]);
    out.appendChild(el("p", { text: "The latest value of each measure with its interval, trend, target and RAG, and " +
      "how it compares with England, " + R.region + " and the statistical neighbours. Choose a measure to open it." }));
    var status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    var holder = el("div");
    function params() {
      var q = new URLSearchParams();
      if (f.headline) q.set("headline", "1");
      if (f.off) q.set("off", "1");
      ["trend", "rag", "indicator"].forEach(function (k) { if (f[k]) q.set(k, f[k]); });
      if (f.sort !== "order") q.set("sort", f.sort);
      if (f.dir === "desc") q.set("dir", "desc");
      return q;
    }
    function draw() {
      var rows = D.measures.map(function (m, i) { return [m, i]; }).filter(function (x) {
        var m = x[0];
        return (!f.headline || m.headline) && (!f.off || m.off_target === true) && (!f.trend || m.trend === f.trend) &&
               (!f.rag || m.rag === f.rag) && (!f.indicator || m.indicator === f.indicator);
      });
      var key = { order: function (x) { return x[1]; }, title: function (x) { return x[0].title; },
                  indicator: function (x) { return x[0].indicator + " " + (x[0].headline ? 0 : 1); },
                  trend: function (x) { return x[0].trend || "~"; }, rag: function (x) { return x[0].rag || "~"; },
                  off_target: function (x) { return x[0].off_target === true ? 0 : (x[0].off_target === false ? 1 : 2); },
                  band: function (x) { return x[0].band || "~"; } }[f.sort] || function (x) { return x[1]; };
      rows.sort(function (a, b) {
        var ka = key(a), kb = key(b);
        var c = ka < kb ? -1 : (ka > kb ? 1 : a[1] - b[1]);
        return f.dir === "desc" ? -c : c;
      });
      var cols = ["Measure", "Indicator", "Headline", "Period", "Latest", "95% CI", "Trend", "Target", "Against target",
                  "RAG", "Comparator period", "England", R.region, "Neighbours (mean)", "Quartile band", "National rank"];
      var cells = rows.map(function (x) {
        var m = x[0];
        return [{ text: m.title, href: "#/measure/" + encodeURIComponent(m.id) }, m.indicator, m.headline ? "Headline" : "Supporting",
                dash(m.period), m.value_text, m.ci_text, (m.trend_symbol ? m.trend_symbol + " " : "") + m.trend, m.target_text,
                targetWords(m), rag(m), dash(m.benchmark_period), m.england_text, m.region_text, m.sn_text,
                dash(m.band), dash(m.rank_text)];
      });
      holder.replaceChildren(table("Scorecard, " + R.period + " (" + cells.length + " measures)", cols, cells,
                                   "scorecard", { numeric: [4, 7, 11, 12, 13] }));
      status.textContent = "Showing " + cells.length + " of " + D.measures.length + " measures.";
      remember(["scorecard"], params());
    }
    function set(k) { return function (v) { f[k] = v; draw(); }; }
    var indicators = distinct(D.measures.map(function (m) { return m.indicator; }));
    var titles = {};
    D.measures.forEach(function (m) { if (m.headline) titles[m.indicator] = m.indicator_title; });
    out.appendChild(el("fieldset", {}, [el("legend", { text: "Filter and sort the measures" }), el("div", { class: "controls" }, [
      checkbox("Headline measures only", "headline", f.headline, set("headline")),
      checkbox("Off target only", "off", f.off, set("off")),
      select("Trend", "trend", [["", "Any trend"]].concat(distinct(D.measures.map(function (m) { return m.trend; }))
        .map(function (t) { return [t, t]; })), f.trend, set("trend")),
      select("RAG", "rag", [["", "Any RAG"]].concat(distinct(D.measures.map(function (m) { return m.rag; }))
        .map(function (t) { return [t, t]; })), f.rag, set("rag")),
      select("Indicator", "indicator", [["", "Every indicator"]].concat(indicators.map(function (i) {
        return [i, i + ": " + (titles[i] || "")]; })), f.indicator, set("indicator")),
      select("Sort by", "sort", SORTS, f.sort, set("sort")),
      select("Order", "dir", [["asc", "Ascending"], ["desc", "Descending"]], f.dir, set("dir"))])]));
    out.appendChild(status);
    out.appendChild(holder);
    draw();
    return out;
  }

  // ---- one measure -------------------------------------------------------------------------
  function hasBreakdowns(id) { return D.breakdowns.some(function (r) { return r[0] === id; }); }
  function measure(parts) {
    var m = M[parts[1]];
    if (!m) return notFound("No measure " + parts[1] + " in this release.");
    var out = el("div", {}, [el("p", {}, [el("a", { href: "#/scorecard", text: "Back to the scorecard" })]),
      heading(m.indicator + ": " + m.title),
      el("p", { text: "What success looks like: " + m.indicator_title + " (" + (m.headline ? "headline" : "supporting") +
        " measure; " + m.oba + ")" })]);
    var links = [];
    if (m.authorities) links.push(el("li", {}, [el("a", { href: "#/compare/" + encodeURIComponent(m.id), text: "Compare with every English authority" })]));
    if (hasBreakdowns(m.id)) links.push(el("li", {}, [el("a", { href: "#/breakdowns/" + encodeURIComponent(m.id), text: "Breakdowns: localities, wards and groups" })]));
    if (links.length) out.appendChild(el("ul", { class: "links" }, links));
    out.appendChild(el("dl", { class: "facts" }, [
      el("dt", { text: "Latest (" + dash(m.period) + ")" }), el("dd", { text: m.value_text + " (95% CI " + m.ci_text + ")" }),
      el("dt", { text: "Previous (" + dash(m.previous_period) + ")" }), el("dd", { text: m.previous_text }),
      el("dt", { text: "Trend" }), el("dd", { text: (m.trend_symbol ? m.trend_symbol + " " : "") + m.trend }),
      el("dt", { text: "Forecast (" + dash(m.forecast_period) + ")" }), el("dd", { text: m.forecast_text + (m.forecast_interval !== "–" ? " (prediction interval " + m.forecast_interval + ")" : "") }),
      el("dt", { text: "Target" }), el("dd", { text: m.target_text + "; " + targetWords(m).toLowerCase() }),
      el("dt", { text: "RAG" }), el("dd", {}, [m.rag ? el("span", { class: "rag rag-" + slug(m.rag), text: m.rag }) : "–"]),
      el("dt", { text: "Compared" }), el("dd", { text: m.compared })]));
    out.appendChild(el("h2", { text: "Turning the curve" }));
    if (m.chart) {
      if (m.chart.figure) out.appendChild(chart(m.chart.figure, m.chart.summary));
      else out.appendChild(el("p", { class: "summary", text: m.chart.summary }));
      out.appendChild(table(m.chart.title, m.chart.columns, m.chart.rows, "curve_" + m.id, { chart: true, numeric: [1, 4, 5, 6, 7] }));
    }
    out.appendChild(el("h2", { text: "Verdicts and their reasons" }));
    out.appendChild(m.verdicts.length ? table("Verdicts on " + dash(m.period), ["Verdict", "What was judged"], m.verdicts, "verdicts_" + m.id)
                                      : el("p", { text: "No judgement for this measure's period." }));
    out.appendChild(el("h2", { text: "Definition" }));
    var defs = [["Unit", m.unit_label + ", " + m.polarity_label], ["Numerator", m.numerator_definition],
                ["Denominator", m.denominator_definition], ["Rules", m.rules], ["Confidence interval", m.ci_method],
                ["Caveats", m.caveats], ["Measure id", m.id]];
    out.appendChild(el("dl", { class: "facts" }, [].concat.apply([], defs.filter(function (d) { return d[1]; })
      .map(function (d) { return [el("dt", { text: d[0] }), el("dd", { text: d[1] })]; }))));
    if (m.drafted) {
      out.appendChild(el("h2", { text: m.drafted.title + (m.period ? " (" + m.period + ")" : "") }));
      out.appendChild(el("p", { class: m.drafted.text ? "drafted" : "awaited", text: m.drafted.text || (m.drafted.note + ".") }));
      if (m.drafted.text) out.appendChild(el("p", { text: "Written by the pipeline from the published figures, not by an officer; separate from the story behind the curve below." }));
    }
    out.appendChild(el("h2", { text: "The story behind the curve and the action plan" + (m.curve.period ? " (" + m.curve.period + ")" : "") }));
    m.curve.parts.forEach(function (part) {
      out.appendChild(el("h3", { text: part.title }));
      if (part.awaited) out.appendChild(el("p", { class: "awaited", text: "Awaited: not yet written." }));
      else if (part.rows) out.appendChild(table(part.title, ["Action", "Owner", "Due", "Status"], part.rows, "actions_" + m.indicator));
      else out.appendChild(el("ul", {}, part.items.map(function (t) { return el("li", { text: t }); })));
    });
    if (m.curve.state && m.curve.state.text) out.appendChild(el("p", { text: m.curve.state.text }));
    else if (m.curve.authors) out.appendChild(el("p", { text: "Written by " + m.curve.authors + "." }));
    if (m.curve.state && m.curve.state.stale) out.appendChild(el("p", { class: "awaited", text: "Written before the data it describes changed: " + m.curve.state.stale + "." }));
    out.appendChild(el("h2", { text: "What is awaited" }));
    out.appendChild(el("p", { text: m.awaited.length ? "Awaited for " + dash(m.period) + ": " + m.awaited.join("; ").toLowerCase() + "."
                                                     : "Nothing: every part of the turn-the-curve entry is written." }));
    return out;
  }

  // ---- compare areas -----------------------------------------------------------------------
  function compare(parts, p) {
    var withAreas = D.measures.filter(function (m) { return m.authorities; });
    if (!withAreas.length) return notFound("No measure of this release has a published equivalent to compare.");
    var m = M[parts[1]] && M[parts[1]].authorities ? M[parts[1]] : withAreas[0];
    var a = m.authorities;
    var only = p.get("show") === "neighbours";
    var out = el("div", {}, [heading("Compare areas: " + m.title), el("p", { text: "Published values for " + a.period +
      " of every English authority with one, " + (a.ranked ? "best first" : "lowest first (no better or worse)") + "; " +
      R.authority + " and its statistical neighbours are marked in words as well as colour." })]);
    var holder = el("div");
    function draw() {
      var rows = a.rows.filter(function (r) { return !only || r.role; });
      var us = a.rows.filter(function (r) { return r.role === "us"; })[0];
      var near = a.rows.filter(function (r) { return r.role === "neighbour"; });
      // The scorecard's placing (band and rank, which may place our own figure where the
      // definitions match) first; then where the published value in the table stands.
      var summary = (a.national_rank ? R.authority + " is ranked " + a.national_rank + " of " + a.n_las +
          " English authorities (1 = best) in " + a.period + (a.band_words ? ", quartile band " + a.band_words : "") + ", as the scorecard places it. " : "") +
        (us ? "Its published value in the table, " + us.text + (a.ranked ? ", ranks " + us.rank + " of " + a.n : "") + ". "
            : R.authority + " has no published value for " + a.period + ". ") +
        (near.length && a.ranked ? "Its statistical neighbours rank from " + Math.min.apply(null, near.map(function (r) { return r.rank; })) +
          " to " + Math.max.apply(null, near.map(function (r) { return r.rank; })) + "."
          : near.length + " statistical neighbours have a published value.");
      function trace(role, name, colour, pattern) {
        var mine = a.rows.map(function (r, i) { return [r, i]; }).filter(function (x) { return x[0].role === role; });
        return { type: "bar", name: name, x: mine.map(function (x) { return x[1] + 1; }), y: mine.map(function (x) { return x[0].value; }),
                 marker: { color: colour, line: { color: "#0b0c0c", width: role ? 1 : 0 }, pattern: { shape: pattern } } };
      }
      var fig = { data: [trace("", "Other authorities", "#b1b4b6", ""), trace("neighbour", "Statistical neighbours", "#E69F00", "/"),
                         trace("us", R.authority, "#0072B2", "x")],
                  layout: { title: { text: m.title + ", " + a.period, font: { size: 13 } }, barmode: "overlay", bargap: 0.1,
                            height: 340, margin: { l: 60, r: 20, t: 50, b: 60 }, font: { family: "Arial, sans-serif", size: 11 },
                            xaxis: { title: { text: "English authorities, " + (a.ranked ? "best to worst" : "lowest to highest") }, showticklabels: false },
                            yaxis: { title: { text: m.unit_label } }, legend: { orientation: "h", y: -0.2 },
                            plot_bgcolor: "#fff", paper_bgcolor: "#fff" } };
      var cells = rows.map(function (r) {
        return [r.name, a.ranked ? String(r.rank) : "–", r.text, r.role === "us" ? "This authority" : (r.role === "neighbour" ? "Statistical neighbour" : "–")];
      });
      holder.replaceChildren(chart(fig, summary),
        table(m.title + ": " + (only ? R.authority + " and its statistical neighbours" : "every English authority") + ", " + a.period,
              ["Authority", "Rank (1 = best)", "Value", "Group"], cells, "compare_" + m.id + (only ? "_neighbours" : ""),
              { numeric: [1, 2], rowClass: function (i) { return rows[i].role || null; } }));
      var q = new URLSearchParams();
      if (only) q.set("show", "neighbours");
      remember(["compare", m.id], q);
    }
    out.appendChild(el("fieldset", {}, [el("legend", { text: "Choose what to compare" }), el("div", { class: "controls" }, [
      select("Measure", "measure", withAreas.map(function (x) { return [x.id, x.indicator + ": " + x.title]; }), m.id,
             function (v) { location.hash = hashOf(["compare", v], only ? new URLSearchParams("show=neighbours") : null); }),
      checkbox("Only " + R.authority + " and its statistical neighbours", "neighbours", only, function (v) { only = v; draw(); })])]));
    out.appendChild(holder);
    out.appendChild(el("p", {}, [el("a", { href: "#/measure/" + encodeURIComponent(m.id), text: "Open the measure" })]));
    draw();
    return out;
  }

  // ---- breakdowns --------------------------------------------------------------------------
  // D.breakdowns rows: [measure, period, breakdown, code, name, value, value text, CI text,
  // numerator text, denominator text, suppressed]
  function breakdowns(parts, p) {
    var ids = distinct(D.breakdowns.map(function (r) { return r[0]; }));
    if (!ids.length) return notFound("No measure of this release is broken down.");
    var order = D.measures.map(function (m) { return m.id; });
    ids.sort(function (x, y) { return order.indexOf(x) - order.indexOf(y); });
    var m = M[parts[1]] && ids.indexOf(parts[1]) >= 0 ? M[parts[1]] : M[ids[0]];
    var mine = D.breakdowns.filter(function (r) { return r[0] === m.id; });
    var names = distinct(mine.map(function (r) { return r[2]; }));
    var b = names.indexOf(parts[2]) >= 0 ? parts[2] : (names.indexOf("locality") >= 0 ? "locality" : names[0]);
    var rowsB = mine.filter(function (r) { return r[2] === b; });
    var periods = distinct(rowsB.map(function (r) { return r[1]; }));
    var period = periods.indexOf(p.get("period")) >= 0 ? p.get("period") : (periods.indexOf(m.period) >= 0 ? m.period : periods[periods.length - 1]);
    var label = R.breakdown_names[b] || b;
    var rows = rowsB.filter(function (r) { return r[1] === period; });
    remember(["breakdowns", m.id, b], new URLSearchParams({ period: period }));
    var out = el("div", {}, [heading(m.title + " by " + label + ", " + period)]);
    out.appendChild(el("fieldset", {}, [el("legend", { text: "Choose the breakdown" }), el("div", { class: "controls" }, [
      select("Measure", "measure", ids.map(function (i) { return [i, M[i].indicator + ": " + M[i].title]; }), m.id,
             function (v) { location.hash = hashOf(["breakdowns", v, b]); }),
      select("Breakdown", "breakdown", names.map(function (n) { return [n, R.breakdown_names[n] || n]; }), b,
             function (v) { location.hash = hashOf(["breakdowns", m.id, v], new URLSearchParams({ period: period })); }),
      select("Period", "period", periods.map(function (x) { return [x, x]; }), period,
             function (v) { location.hash = hashOf(["breakdowns", m.id, b], new URLSearchParams({ period: v })); })])]));
    var shownRows = rows.filter(function (r) { return typeof r[5] === "number"; });
    var hidden = rows.filter(function (r) { return r[10]; }).map(function (r) { return r[4]; });
    var summary;
    if (shownRows.length) {
      var hi = shownRows.reduce(function (x, y) { return y[5] > x[5] ? y : x; });
      var lo = shownRows.reduce(function (x, y) { return y[5] < x[5] ? y : x; });
      summary = m.title + " by " + label + " in " + period + ": highest " + hi[4] + " (" + hi[6] + "), lowest " + lo[4] + " (" + lo[6] + ")" +
        (hidden.length ? "; suppressed to protect small numbers: " + hidden.join(", ") : "") + ".";
      out.appendChild(chart({ data: [{ type: "bar", x: shownRows.map(function (r) { return r[4]; }), y: shownRows.map(function (r) { return r[5]; }),
        marker: { color: "#56B4E9", line: { color: "#0072B2", width: 1 } }, name: m.title }],
        layout: { title: { text: m.title + " by " + label + ", " + period, font: { size: 13 } }, height: 360,
                  margin: { l: 60, r: 20, t: 50, b: 120 }, font: { family: "Arial, sans-serif", size: 11 },
                  xaxis: { type: "category", title: { text: label } }, yaxis: { title: { text: m.unit_label } },
                  plot_bgcolor: "#fff", paper_bgcolor: "#fff" } }, summary));
    } else {
      out.appendChild(el("p", { class: "summary", text: "Every group of " + m.title + " by " + label + " in " + period +
        " is suppressed to protect small numbers, so no chart is drawn." }));
    }
    out.appendChild(table(m.title + " by " + label + ", " + period, [label.charAt(0).toUpperCase() + label.slice(1), "Value", "95% CI", "Numerator", "Denominator", "Suppressed"],
      rows.map(function (r) { return [r[4], r[6], r[7], r[8], r[9], r[10] ? "Yes: small numbers" : "No"]; }),
      "breakdown_" + m.id + "_" + b + "_" + period, { numeric: [1, 3, 4], chart: shownRows.length > 0 }));
    out.appendChild(el("p", {}, [el("a", { href: "#/measure/" + encodeURIComponent(m.id), text: "Open the measure" })]));
    return out;
  }

  // ---- spine chart -------------------------------------------------------------------------
  function spine() {
    var out = el("div", {}, [heading("Spine chart: how " + R.authority + " compares with every English authority")]);
    if (!D.spine) {
      out.appendChild(el("p", { text: "No measure of this release has a published equivalent to place." }));
      return out;
    }
    if (D.spine.figure) out.appendChild(chart(D.spine.figure, D.spine.summary.replace("Every figure is in Annex C.", "Every figure is in the table below.")));
    out.appendChild(table(D.spine.title, D.spine.columns, D.spine.rows, "spine", { chart: true, numeric: [2, 3, 4, 5, 8, 9] }));
    return out;
  }

  function notFound(text) {
    return el("div", {}, [heading("Not in this release"), el("p", { text: text }),
                          el("p", {}, [el("a", { href: "#/scorecard", text: "Go to the scorecard" })])]);
  }

  var VIEWS = { scorecard: function (r) { return scorecard(r.params); }, measure: function (r) { return measure(r.parts); },
                compare: function (r) { return compare(r.parts, r.params); },
                breakdowns: function (r) { return breakdowns(r.parts, r.params); }, spine: function () { return spine(); } };
  var NAMES = { scorecard: "Scorecard", measure: "Measure", compare: "Compare areas", breakdowns: "Breakdowns", spine: "Spine chart" };

  function draw(first) {
    if (location.hash === shown) return;
    var r = route();
    var view = VIEWS[r.parts[0]] ? r.parts[0] : "scorecard";
    shown = location.hash;
    main.replaceChildren(VIEWS[view](r));
    main.setAttribute("data-view", view);
    document.querySelectorAll("nav a[data-view]").forEach(function (a) {
      if (a.getAttribute("data-view") === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    var h1 = main.querySelector("h1");
    document.title = (h1 ? h1.textContent : NAMES[view]) + " | Early Help outcomes explorer, " + R.period;
    if (!first && h1) h1.focus();
  }

  document.getElementById("skip").addEventListener("click", function (e) {
    e.preventDefault();
    var h1 = main.querySelector("h1");
    (h1 || main).focus();
  });
  document.getElementById("download-all").addEventListener("click", function () {
    download("release_" + R.period + ".csv", D.published.columns, D.published.rows);
  });
  window.addEventListener("hashchange", function () { draw(false); });
  draw(true);
})();
