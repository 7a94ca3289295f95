import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { severityColor } from '../../components/Severity';

// Only what the line chart needs: the full echarts bundle is several times larger.
echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export interface TrendSeries {
  name: string;
  key: 'critical' | 'high' | 'medium' | 'low' | 'total';
  values: number[];
}

/** Open findings per day, one line per severity and the total (hosts and images together). */
export default function TrendChart({ dates, series, label }: { dates: string[]; series: TrendSeries[]; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 40, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { color: '#262626' } },
      xAxis: { type: 'category', data: dates, axisLabel: { color: '#262626' } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#262626' } },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        data: s.values,
        symbolSize: 6,
        lineStyle: { width: s.key === 'total' ? 3 : 2, ...(s.key === 'total' ? { type: 'dashed' } : {}) },
        color: s.key === 'total' ? '#262626' : severityColor(s.key),
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [dates, series]);
  return <div ref={el} role="img" aria-label={label} style={{ width: '100%', height: 260 }} />;
}
