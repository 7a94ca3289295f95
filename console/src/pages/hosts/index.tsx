import { Placeholder } from '../Placeholder';

export default function Page() {
  return <Placeholder title="nav.hosts" />;
}
