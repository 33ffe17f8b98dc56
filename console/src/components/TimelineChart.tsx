/** Opens and clicks over time, drawn with Chart.js (loaded only on the report screen): how many
 * contacts had opened, and clicked, by the end of each bucket. Running totals read the same whether
 * a bucket is an hour or a day, where per-bucket counts would jump where the days begin. Each
 * bucket's own numbers are in the table below the chart, for screen readers and keyboard users. */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";
import type { TimelineBucket } from "../api/types";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

type Props = {
  buckets: TimelineBucket[];
  labels: string[];
  names: { opened: string; clicked: string };
  description: string;
};

function runningTotal(buckets: TimelineBucket[], key: "opened" | "clicked"): number[] {
  let sum = 0;
  return buckets.map((b) => (sum += b[key]));
}

export default function TimelineChart({ buckets, labels, names, description }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "line",
      data: {
        labels,
        datasets: [
          {
            label: names.opened,
            data: runningTotal(buckets, "opened"),
            borderColor: "#1d4ed8",
            backgroundColor: "#1d4ed8",
            stepped: true,
            pointRadius: 0,
          },
          {
            label: names.clicked,
            data: runningTotal(buckets, "clicked"),
            stepped: true,
            pointRadius: 0,
            borderColor: "#b45309",
            backgroundColor: "#b45309",
            borderDash: [6, 4],
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 16 } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.destroy();
  }, [buckets, labels, names]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={description} />
    </div>
  );
}
