import { DatePicker } from 'antd';
import dayjs from 'dayjs';

/**
 * A from–to time filter whose ends are epoch-ms strings (as the URL holds them
 * and HSS routes take them). The end day is taken to its last millisecond.
 */
export function TimeRangeFilter({ from, to, onChange, label }: { from?: string | undefined; to?: string | undefined; onChange(from?: number, to?: number): void; label: string }) {
  const value: [dayjs.Dayjs | null, dayjs.Dayjs | null] | null = from || to ? [from ? dayjs(Number(from)) : null, to ? dayjs(Number(to)) : null] : null;
  return (
    <DatePicker.RangePicker
      aria-label={label}
      value={value}
      allowEmpty={[true, true]}
      onChange={(range) => onChange(range?.[0]?.startOf('day').valueOf(), range?.[1]?.endOf('day').valueOf())}
    />
  );
}
