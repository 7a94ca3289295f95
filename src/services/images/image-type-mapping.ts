import type { QueryImageType, RegistryType } from '../../domain/image.js';

/**
 * HSS filters registry images by `image_type` (private_image, shared_image,
 * instance_image, harbor, jfrog) while registries carry a `registry_type`.
 * The registries openhss syncs are the user's own, so a generic registry
 * ("Other") counts as private.
 */
const REGISTRY_TYPES_BY_IMAGE_TYPE: Record<QueryImageType, RegistryType[]> = {
  private_image: ['SwrPrivate', 'Other'],
  shared_image: ['SwrShared'],
  instance_image: ['SwrEnterprise'],
  harbor: ['Harbor'],
  jfrog: ['Jfrog'],
};

export function registryTypesFor(imageType: QueryImageType): RegistryType[] {
  return REGISTRY_TYPES_BY_IMAGE_TYPE[imageType];
}

/** The `image_type` HSS shows for an image of a registry of this type (the inverse of registryTypesFor). */
export function imageTypeOfRegistry(registryType: string): QueryImageType {
  for (const [imageType, registryTypes] of Object.entries(REGISTRY_TYPES_BY_IMAGE_TYPE) as Array<[QueryImageType, RegistryType[]]>) {
    if ((registryTypes as string[]).includes(registryType)) return imageType;
  }
  return 'private_image';
}
