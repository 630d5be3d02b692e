/* Charts of the analysis pages, drawn with ECharts (static/vendor/echarts/echarts.min.js).

   Every <div class="chart" data-chart-url="…"> is filled from the JSON at that address (written by
   assessment/analysis/charts.py): {kind: "radar" | "bar" | "line" | "boxplot", empty, …numbers}.
   The server decides the numbers, this file only how they look. When it is done the element gets
   data-chart-state="drawn", "empty" or "failed", and the page's table beside it still has the numbers.

   The Content-Security-Policy allows no inline style or script: ECharts sets styles through the
   CSSOM, which is allowed, and tooltips are drawn on the canvas (renderMode "richText") instead of
   as HTML with style attributes, which would be refused.

   Also here, because the same pages need it: buttons with data-copy-target copy a textarea's text. */
(function () {
  "use strict";

  var COLOURS = ["#9f1d20", "#1d4e89", "#b8860b", "#2e7d32", "#e8720c", "#6f42c1", "#5b7fa6", "#8a8f98"];
  var TIER_COLOURS = {1: "#b8860b", 2: "#5b7fa6", 3: "#8a8f98"};

  function pageFont() {
    return window.getComputedStyle(document.body).fontFamily;
  }

  function suffix(unit) {
    return unit ? " " + unit : "";
  }

  function base(data) {
    return {
      animation: false,
      color: COLOURS,
      textStyle: {fontFamily: pageFont(), fontSize: 12},
      tooltip: {renderMode: "richText", confine: true},
      legend: {top: 0, type: "scroll", textStyle: {fontFamily: pageFont()}},
      grid: {left: 8, right: 16, top: 40, bottom: 8, containLabel: true}
    };
  }

  function radar(data) {
    var option = base(data);
    option.tooltip.trigger = "item";
    option.radar = {
      indicator: data.axes.map(function (axis) { return {name: axis.name, max: axis.max, min: axis.min || 0}; }),
      radius: "62%",
      center: ["50%", "56%"],
      axisName: {color: "#1f2a44", fontFamily: pageFont()},
      splitArea: {areaStyle: {color: ["#fafbfc", "#f4f5f7"]}}
    };
    option.series = [{
      type: "radar",
      data: data.series.map(function (line, index) {
        return {
          name: line.name,
          value: line.values,
          symbolSize: 5,
          lineStyle: index === 0 ? {width: 2} : {type: "dashed", width: 1.5},
          areaStyle: index === 0 ? {opacity: 0.18} : undefined
        };
      })
    }];
    option.color = ["#9f1d20", "#5b7fa6"];
    return option;
  }

  function bar(data) {
    var option = base(data);
    option.tooltip.trigger = "axis";
    option.tooltip.valueFormatter = function (value) { return value === null || value === undefined ? "—" : value + suffix(data.unit); };
    // Every category named, long track names wrapped rather than dropped.
    option.xAxis = {type: "category", data: data.categories, axisLabel: {interval: 0, width: 84, overflow: "break"}};
    option.yAxis = {type: "value", max: data.max, minInterval: data.stack ? 1 : undefined,
                    axisLabel: {formatter: data.unit === "%" ? "{value}%" : "{value}"}};
    option.series = data.series.map(function (series) {
      var item = {type: "bar", name: series.name, data: series.values, barMaxWidth: 36};
      if (data.stack) {
        item.stack = "total";
        item.label = {show: true, formatter: function (p) { return p.value ? p.value : ""; }};
      }
      if (series.tier) {
        item.itemStyle = {color: TIER_COLOURS[series.tier]};
      }
      return item;
    });
    return option;
  }

  function line(data) {
    var option = base(data);
    option.tooltip.trigger = "axis";
    option.xAxis = {type: "category", data: data.categories, boundaryGap: true};
    option.grid.right = data.axes.length > 1 ? 24 : 16;
    option.yAxis = data.axes.map(function (axis, index) {
      return {
        type: "value", name: axis.name, inverse: !!axis.inverse, scale: true,
        minInterval: axis.integer ? 1 : undefined, min: axis.integer ? 1 : undefined, max: axis.max || undefined,
        position: index === 0 ? "left" : "right", splitLine: {show: index === 0},
        nameTextStyle: {fontFamily: pageFont()}
      };
    });
    option.series = data.series.map(function (series) {
      return {
        type: "line", name: series.name, data: series.values, yAxisIndex: series.axis || 0,
        connectNulls: true, symbolSize: 7, label: {show: true, position: "top", fontSize: 11}
      };
    });
    return option;
  }

  function boxplot(data) {
    var option = base(data);
    option.tooltip.trigger = "item";
    option.xAxis = {type: "category", data: data.categories, axisLabel: {interval: 0, width: 84, overflow: "break"}};
    option.yAxis = {type: "value", scale: true, name: data.unit || ""};
    option.series = [
      {type: "boxplot", name: data.seriesName || "", data: data.boxes, itemStyle: {borderColor: "#1d4e89", color: "#eef3f9"}},
      {
        type: "scatter", name: "", symbolSize: 9, itemStyle: {color: "#9f1d20"},
        data: data.outliers.map(function (point) { return {value: [point.category, point.value], name: point.name}; }),
        tooltip: {formatter: function (p) { return p.name + "：" + p.value[1] + suffix(data.unit); }}
      }
    ];
    option.legend = {show: false};
    return option;
  }

  var BUILDERS = {radar: radar, bar: bar, line: line, boxplot: boxplot};

  function say(element, text, state) {
    element.textContent = text;
    element.classList.add("chart-message");
    element.dataset.chartState = state;
  }

  function draw(element) {
    return window.fetch(element.dataset.chartUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var build = BUILDERS[data.kind];
        if (!build) {
          throw new Error("unknown chart kind " + data.kind);
        }
        if (data.empty) {
          say(element, element.dataset.chartEmpty || "", "empty");
          return;
        }
        var chart = window.echarts.init(element, null, {renderer: "canvas"});
        chart.setOption(build(data));
        element.dataset.chartState = "drawn";
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () {
        say(element, element.dataset.chartError || "", "failed");
      });
  }

  function copyText(button) {
    var source = document.querySelector(button.dataset.copyTarget);
    if (!source) {
      return;
    }
    var done = function () {
      var label = button.innerHTML;
      button.textContent = button.dataset.copiedText || "✓";
      window.setTimeout(function () { button.innerHTML = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    // One request after the other: each renews the session (SESSION_SAVE_EVERY_REQUEST), and a page's few
    // charts need no parallel requests competing for the same session row.
    var charts = Array.prototype.slice.call(document.querySelectorAll(".chart[data-chart-url]"));
    charts.reduce(function (previous, element) {
      return previous.then(function () { return draw(element); });
    }, Promise.resolve());
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () { copyText(button); });
    });
  });
}());
