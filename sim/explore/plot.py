"""A plotly figure on the page, drawn by the plotly.js that the explorer's own server serves.

``solara.FigurePlotly`` goes through plotly's ``FigureWidget``, which needs ``anywidget`` (not among
dipsim's dependencies) and validates every trace in Python again on each update. This widget instead
carries the figure as the JSON the report code already made (escaped by ``plain_figure``) and hands
it to ``Plotly.react``, which redraws only what changed. plotly.js is the copy inside the installed
plotly package, served from ``/static/assets/`` (the server adds that folder to Solara's asset
locations), so no figure ever loads a script from anywhere but the explorer's own host.
"""

from __future__ import annotations

import ipyvue
import traitlets

PLOTLY_JS = "plotly.min.js"  # inside plotly/package_data, which the server serves as /static/assets/

_TEMPLATE = """
<template>
  <div class="dipsim-figure" :data-revision="drawn" style="width: 100%; min-height: 60px">
    <div ref="plot"></div>
  </div>
</template>
<script>
module.exports = {
  data() {
    return { drawn: -1 };
  },
  mounted() {
    this.draw();
  },
  watch: {
    figure() {
      this.draw();
    },
    revision() {
      // a newer move with the same figure (one replicate's chart often is): nothing to redraw
      if (this.drawnText === this.figure) {
        this.drawn = this.revision;
      } else {
        this.draw();
      }
    },
  },
  beforeUnmount() {
    if (window.Plotly && this.$refs.plot) {
      window.Plotly.purge(this.$refs.plot);
    }
  },
  methods: {
    plotly() {
      if (window.Plotly) {
        return Promise.resolve(window.Plotly);
      }
      if (!window.dipsimPlotly) {
        const root = (window.solara && window.solara.rootPath) || "";
        window.dipsimPlotly = new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = root + "/static/assets/PLOTLY_JS";
          script.onload = () => resolve(window.Plotly);
          script.onerror = reject;
          document.head.appendChild(script);
        });
      }
      return window.dipsimPlotly;
    },
    draw() {
      const text = this.figure;
      const revision = this.revision;
      const figure = text ? JSON.parse(text) : { data: [], layout: {} };
      this.plotly().then((Plotly) => {
        if (!this.$refs.plot || text !== this.figure) {
          return;  // unmounted, or a newer figure is on its way
        }
        const config = { responsive: true, displaylogo: false };
        return Plotly.react(this.$refs.plot, figure.data || [], figure.layout || {}, config).then(() => {
          this.drawnText = text;
          if (text === this.figure) {
            this.drawn = revision;
          }
        });
      });
    },
  },
};
</script>
""".replace("PLOTLY_JS", PLOTLY_JS)


class PlotlyFigure(ipyvue.VueTemplate):
    """``figure``: plotly JSON; ``revision``: which move it shows, written to ``data-revision`` once
    drawn, so a test or the latency benchmark can wait for a given move's figure to be on screen."""

    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    figure = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
