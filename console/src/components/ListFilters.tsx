import { useEffect, useState } from 'react';
import { Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';

/** A list filter as a select whose label is its accessible name and placeholder; cleared means "any". */
export function FilterSelect({
  label,
  value,
  options,
  onChange,
  width = 150,
  clearable = true,
}: {
  label: string;
  value: string | undefined;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string | undefined) => void;
  width?: number;
  clearable?: boolean;
}) {
  return <Select aria-label={label} placeholder={label} allowClear={clearable} style={{ width }} value={value} options={options} onChange={(v?: string) => onChange(v)} />;
}

/** A text filter applied on Enter or its button; follows the URL's value (back, reset). */
export function SearchFilter({ label, placeholder, value, onSearch, width = 240 }: { label: string; placeholder?: string; value: string | undefined; onSearch: (value: string) => void; width?: number }) {
  const { t } = useTranslation();
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  return (
    <Input.Search
      aria-label={label}
      placeholder={placeholder ?? label}
      allowClear
      style={{ width }}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onSearch={(v) => onSearch(v.trim())}
      enterButton={t('common.search')}
    />
  );
}
