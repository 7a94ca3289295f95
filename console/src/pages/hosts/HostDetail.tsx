import { Placeholder } from '../Placeholder';

export default function HostDetail() {
  return <Placeholder title="nav.hosts" />;
}
