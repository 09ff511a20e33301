/** ServiceInstance: the entry point (RetrieveServiceContent, CurrentTime) and the ServiceContent clients cache. */
import { ManagedObject, type Ctx, type Getter, type Method } from "./managed.js";
import { ROOT_FOLDER } from "./inventory.js";
import { Ref, type DataObject } from "./values.js";

export const SERVICE_INSTANCE = new Ref("ServiceInstance", "ServiceInstance");
export const PROPERTY_COLLECTOR = new Ref("PropertyCollector", "propertyCollector");
export const VIEW_MANAGER = new Ref("ViewManager", "ViewManager");
export const SESSION_MANAGER = new Ref("SessionManager", "SessionManager");
export const EVENT_MANAGER = new Ref("EventManager", "EventManager");
export const TASK_MANAGER = new Ref("TaskManager", "TaskManager");
export const PERF_MANAGER = new Ref("PerformanceManager", "PerfMgr");

export class ServiceInstance extends ManagedObject {
  readonly getters: Record<string, Getter<ServiceInstance>> = siGetters;
  override readonly methods: Record<string, Method<ServiceInstance>> = siMethods;
}

function content(ctx: Ctx): DataObject {
  return {
    _type: "ServiceContent",
    rootFolder: ROOT_FOLDER,
    propertyCollector: PROPERTY_COLLECTOR,
    viewManager: VIEW_MANAGER,
    about: ctx.server.about("VirtualCenter"),
    sessionManager: SESSION_MANAGER,
    perfManager: PERF_MANAGER,
    eventManager: EVENT_MANAGER,
    taskManager: TASK_MANAGER,
    // govc builds its finder from searchIndex before any call; nothing behind it is needed by the commands served here
    searchIndex: new Ref("SearchIndex", "SearchIndex"),
  };
}

const siGetters: Record<string, Getter<ServiceInstance>> = {
  content: (_o, ctx) => content(ctx),
  serverClock: (_o, ctx) => new Date(ctx.server.vch.now()),
  capability: () => ({ _type: "Capability", provisioningSupported: false, multiHostSupported: true, userShellAccessSupported: false }),
};

const siMethods: Record<string, Method<ServiceInstance>> = {
  RetrieveServiceContent: (_o, _args, ctx) => content(ctx),
  CurrentTime: (_o, _args, ctx) => new Date(ctx.server.vch.now()),
};
