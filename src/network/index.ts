// Container networking through CNI plugins, as podman's CNI backend and
// CRI-O do it: conflists, the plugin chain, namespaces, published ports.

export { NetworkError, isNetworkError, type NetworkErrorCode } from './errors.js';
export {
  bridgeConflist, findNetwork, loadNetworks, writeConflist,
  DEFAULT_BRIDGE, DEFAULT_SUBNET, defaultNetworkName,
  type BridgeNetworkOptions, type NetworkConfigList, type PluginConfig,
} from './conflist.js';
export { installedPlugin, invokePlugin, type CniCommand, type CniResult, type PluginInvocation, type PortMapping } from './plugin.js';
export { createNetns, removeNetns } from './netns.js';
export { connectNetwork, disconnectNetwork, readAttachment, setupNetwork, teardownNetwork, type NetworkAttachment, type NetworkSetupOptions, type StaticAddresses } from './attach.js';
export { formatPortMapping, parseExposed, parsePublish, publishedOnFreePorts } from './ports.js';
export { createNetwork, DNSNAME_DOMAIN, inspectNetwork, isIpv4Cidr, isNetworkName, listNetworks, removeNetwork, type NetworkCreateOptions, type NetworkDefaults, type NetworkInfo, type SubnetPool } from './manage.js';
