# my_plugin.py -- Panoptic's step-by-step example; only the import lines differ from the guide.
import numpy as np
from PIL import Image

from lightplug import APlugin
from lightplug import Project
from lightplug import ActionContext
from lightplug import ActionResult
from lightplug import Group, Instance, Notif, NotifType, Vector


class MyPlugin(APlugin):
    def __init__(self, project: Project, plugin_path: str, name: str):
        """
        The initialization method for a Panoptic Plugin.
        Is called by Panoptic at Project launch.
        :param project: The Project instance
        :param plugin_path: The path to the plugin module
        :param name: The identifier of the plugin as a unique name
        """
        # dont forget to call parent constructor
        super().__init__(name=name, project=project, plugin_path=plugin_path)

        self.add_action_easy(self.compute_vectors, ['vector'])
        self.add_action_easy(self.compute_clusters, ['group'])

    async def _start(self):
        if len(self.vector_types) == 0:
            vec_type = self.project.create_vector_type({"model": "fake_vector"})
            await self.project.add_vector_type(vec_type)
            print('created ', vec_type)

    @staticmethod
    def compute_hue_vector(path: str):
        img = Image.open(path)
        img = img.convert('RGB')
        img_hsv = img.convert('HSV')

        # Get HSV data as numpy array
        hsv_array = np.array(img_hsv)

        # Extract hue channel (first channel in HSV)
        hue_channel = hsv_array[:, :, 0]

        # Flatten and calculate histogram
        hue_flat = hue_channel.flatten()

        # Get most common hue value
        counts = np.bincount(hue_flat)
        dominant_hue = np.argmax(counts)

        # 1-dimensional vector. Convert to float32 to match database type
        return np.array(int(dominant_hue), dtype='float32')

    async def compute_vectors(self, ctx: ActionContext):
        # get instances from database
        instances = await self.project.get_instances(ids=ctx.instance_ids)
        # keep only on instance per sha1
        unique = list({i.sha1: i for i in instances}.values())
        # get our vector type id
        type_id = self.vector_types[0].id

        for instance in unique:
            # compute the hue vector in the executor to avoid blocking
            # the main thread
            hue_vector = await self.project.run_async(
                self.compute_hue_vector, instance.url
            )
            # create the vector object to be written in the database
            vector = Vector(type_id=type_id, sha1=instance.sha1, data=hue_vector)
            # write to database
            await self.project.add_vector(vector)

        # send success notification
        notif = Notif(
            type=NotifType.INFO,
            name='compute_vectors',
            message='Computed all vectors'
        )
        # always return an ActionResult
        return ActionResult(notifs=[notif])

    @staticmethod
    def group_instances_by_hue(
        instances: list[Instance],
        sha1_to_hue: dict[str, int],
        num_groups: int
    ):
        """
        Sort instances by hue and group them.
        """
        # Use np for simplicity
        id_array = np.array([i.id for i in instances])
        hue_array = np.array([sha1_to_hue[i.sha1] for i in instances])

        # Sort by hue
        sorted_indices = np.argsort(hue_array)
        sorted_ids = id_array[sorted_indices]
        sorted_hue = hue_array[sorted_indices]

        # Split into equal-sized groups
        id_groups = np.array_split(sorted_ids, num_groups)
        hue_groups = np.array_split(sorted_hue, num_groups)

        return id_groups, hue_groups

    async def compute_clusters(self, ctx: ActionContext, nb_clusters: int):
        # get instances from the database
        instances = await self.project.get_instances(ids=ctx.instance_ids)

        # get our own vectors from the database
        vectors = await self.project.get_vectors(self.vector_types[0].id)

        # map sha1 to Hue with the vector data
        sha1_to_hue = {v.sha1: v.data.tolist()[0] for v in vectors}

        # compute vectors with the data
        id_groups, hue_groups = self.group_instances_by_hue(
            instances, sha1_to_hue, nb_clusters
        )

        # iterate over result and fill the Group objects
        groups = []
        for id_group, hue_group in zip(id_groups, hue_groups):
            # get min and max hue of each group
            min_hue = hue_group.min()
            max_hue = hue_group.max()

            # create Group of instance ids
            group = Group(
                # extract the instance ids from the np.array
                ids=id_group.tolist(),
                # choose a name for the group
                name=f"Hue group: {min_hue}-{max_hue}"
            )
            groups.append(group)

        # return the clusters
        return ActionResult(groups=groups)
